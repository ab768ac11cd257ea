-- A multipart file's segments (V16) hold large objects too: a tenant export carries their content as members
-- (V17's markers), as it does for files.lo_oid and file_versions.lo_oid.
comment on column file_segments.lo_oid is 'onebase:large-object';

-- Usage history is the service's telemetry about a tenant, sampled by the sample-usage job; the request role may only
-- read it, so an import could not write it: it stays with the database it was measured on.
comment on table usage_history is 'onebase:derived: sampled by the sample-usage job from the request counts';
