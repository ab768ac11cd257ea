-- A multipart file's segments (V16) hold large objects too: a tenant export carries their content as members
-- (V17's markers), as it does for files.lo_oid and file_versions.lo_oid.
comment on column file_segments.lo_oid is 'onebase:large-object';
