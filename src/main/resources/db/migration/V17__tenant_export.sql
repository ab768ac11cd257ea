-- Tenant export, import and restore to a point in time (docs/tenants.md).
--
-- The exporter finds the tenant tables in the catalog (every table with a tenant_id column); these comments tell it
-- what it cannot see there. A feature that adds a credential, a large-object column or a table kept by triggers
-- marks it the same way in its own migration.
comment on column api_keys.hash is 'onebase:secret: SHA-256 of an API key; left out of tenant exports';
comment on column s3_keys.secret is 'onebase:secret: the S3 secret, encrypted under onebase.s3.secret-key; left out of tenant exports';
comment on column files.lo_oid is 'onebase:large-object';
comment on column file_versions.lo_oid is 'onebase:large-object';
comment on table cache_usage is 'onebase:derived: kept by the triggers on cache_entries';
comment on table file_large_objects is 'onebase:derived: written by the file_lo_* functions';

-- The schema version an archive is written against and must be imported into (Flyway's history is the owner's).
create function onebase_schema_version() returns text
    language sql stable security definer set search_path = public, pg_temp
as $$
    select version from flyway_schema_history where success and version is not null
     order by installed_rank desc limit 1
$$;
revoke all on function onebase_schema_version() from public;
grant execute on function onebase_schema_version() to ${app_role};

-- One tenant brought back to a point in time (POST /admin/tenants/{id}/restore-to): recorded like a backup.
-- Not a tenant table (the operator's record, like backups): the tenant is in "tenant", not "tenant_id".
create table tenant_restores (
    id            bigint generated always as identity primary key,
    tenant        uuid not null,
    target_time   timestamptz not null,
    mode          text not null check (mode in ('replace', 'new')),
    new_tenant    uuid,
    status        text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
    phase         text not null default 'start',
    percent       integer not null default 0,
    backup_id     bigint,
    rows          jsonb,
    error         text,
    started_at    timestamptz not null default now(),
    finished_at   timestamptz,
    duration_ms   bigint
);
create index tenant_restores_tenant on tenant_restores (tenant, id);
