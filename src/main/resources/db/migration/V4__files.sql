-- File storage: one live row per current file in "files", earlier versions in "file_versions", generated
-- thumbnails in "file_derivatives". Content is bytea below the threshold, a large object (OID kept as int8) above
-- it, or an external URL (schema only, for a hybrid set-up). Large objects are outside RLS: the service only ever
-- reads an OID it got from a row RLS let it see, and unlinks it in the same transaction that removes the row.

create table files (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    id           uuid not null default gen_random_uuid(),
    folder       text not null check (folder = '' or (folder like '%/' and folder not like '/%')),
    name         text not null check (length(name) between 1 and 255 and position('/' in name) = 0),
    content_type text not null check (length(content_type) between 3 and 255),
    size         bigint not null check (size >= 0),
    sha256       bytea not null check (length(sha256) = 32),
    storage      text not null check (storage in ('bytea', 'large_object', 'external')),
    content      bytea,
    lo_oid       bigint,
    external_url text,
    version      integer not null default 1 check (version >= 1),
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    deleted_at   timestamptz,
    search       tsvector generated always as (
                     to_tsvector('simple', name || ' ' || translate(name || ' ' || folder || ' ' || content_type, '/._-+', '     '))) stored,
    primary key (tenant_id, id),
    check ((storage = 'bytea') = (content is not null)),
    check ((storage = 'large_object') = (lo_oid is not null)),
    check ((storage = 'external') = (external_url is not null))
);
-- one live file per path; soft-deleted ones step aside
create unique index files_live_path on files (tenant_id, folder, name) where deleted_at is null;
create index files_deleted on files (tenant_id, deleted_at) where deleted_at is not null;
create index files_search on files using gin (search);
alter table files enable row level security;
alter table files force row level security;
create policy tenant_isolation on files
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on files to ${admin_role} using (true) with check (true);

create table file_versions (
    tenant_id    uuid not null,
    file_id      uuid not null,
    version      integer not null,
    folder       text not null,
    name         text not null,
    content_type text not null,
    size         bigint not null check (size >= 0),
    sha256       bytea not null,
    storage      text not null check (storage in ('bytea', 'large_object', 'external')),
    content      bytea,
    lo_oid       bigint,
    external_url text,
    created_at   timestamptz not null,
    replaced_at  timestamptz not null default now(),
    primary key (tenant_id, file_id, version),
    foreign key (tenant_id, file_id) references files (tenant_id, id) on delete cascade,
    check ((storage = 'bytea') = (content is not null)),
    check ((storage = 'large_object') = (lo_oid is not null))
);
alter table file_versions enable row level security;
alter table file_versions force row level security;
create policy tenant_isolation on file_versions
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on file_versions to ${admin_role} using (true) with check (true);

-- Thumbnails: derived from one version of a file, always small, always bytea.
create table file_derivatives (
    tenant_id      uuid not null,
    file_id        uuid not null,
    source_version integer not null,
    kind           text not null,
    content_type   text not null,
    size           bigint not null,
    sha256         bytea not null,
    content        bytea not null,
    created_at     timestamptz not null default now(),
    primary key (tenant_id, file_id, source_version, kind),
    foreign key (tenant_id, file_id) references files (tenant_id, id) on delete cascade
);
alter table file_derivatives enable row level security;
alter table file_derivatives force row level security;
create policy tenant_isolation on file_derivatives
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on file_derivatives to ${admin_role} using (true) with check (true);

-- Copies a large object server-side in 1 MiB steps (restoring a version must not share an OID between rows).
-- Runs as the caller, who owns (and so may read and create) the objects.
create function file_lo_copy(p_src bigint) returns bigint
    language plpgsql volatile set search_path = pg_catalog, pg_temp
as $$
declare
    dst oid := lo_create(0);
    off bigint := 0;
    part bytea;
begin
    loop
        part := lo_get(p_src::oid, off, 1048576);
        exit when length(part) = 0;
        perform lo_put(dst, off, part);
        off := off + length(part);
        exit when length(part) < 1048576;
    end loop;
    return dst::bigint;
end
$$;
revoke all on function file_lo_copy(bigint) from public;
grant execute on function file_lo_copy(bigint) to ${app_role};

-- Soft-deleted files whose retention has run out, across tenants, for the purge job (which then purges each one
-- inside its tenant's transaction, as the role that owns the large objects).
create function admin_files_due_for_purge(p_retention interval, p_limit integer)
    returns table (tenant_id uuid, id uuid)
    language sql stable security definer set search_path = public, pg_temp
as $$
    select f.tenant_id, f.id from files f
     where f.deleted_at is not null and f.deleted_at < now() - p_retention
     order by f.deleted_at
     limit least(greatest(p_limit, 1), 10000)
$$;
alter function admin_files_due_for_purge(interval, integer) owner to ${admin_role};
revoke all on function admin_files_due_for_purge(interval, integer) from public;
grant execute on function admin_files_due_for_purge(interval, integer) to ${app_role};

-- Large objects owned by the request role that no row of any tenant refers to (what vacuumlo would find). Objects
-- of other owners are never listed. An upload's object only becomes visible with its row, at commit, so an upload
-- in flight is never taken for an orphan.
create function admin_orphan_large_objects(p_limit integer)
    returns setof bigint
    language sql stable security definer set search_path = public, pg_temp
as $$
    select m.oid::bigint from pg_largeobject_metadata m
     where m.lomowner = '${app_role}'::regrole
       and not exists (select 1 from files f where f.lo_oid = m.oid::bigint)
       and not exists (select 1 from file_versions v where v.lo_oid = m.oid::bigint)
     order by m.oid
     limit least(greatest(p_limit, 1), 100000)
$$;
alter function admin_orphan_large_objects(integer) owner to ${admin_role};
revoke all on function admin_orphan_large_objects(integer) from public;
grant execute on function admin_orphan_large_objects(integer) to ${app_role};
