-- A file version's content may be an ordered list of segments (storage 'segments'): each one a large object (or, for
-- a small one, bytea), at a byte offset of the whole. A multipart upload over S3 becomes such a file at Complete by
-- linking the parts' large objects to the new version in one transaction: no byte is written again. Segments are
-- keyed by the file and the version they belong to, so a version that becomes a row of file_versions keeps them.
-- Their large objects go through the V9 fence (registered to the tenant) like any other.

create table file_segments (
    tenant_id uuid    not null,
    file_id   uuid    not null,
    version   integer not null,
    seq       integer not null check (seq >= 1),
    start_at  bigint  not null check (start_at >= 0),
    size      bigint  not null check (size >= 0),
    content   bytea,
    lo_oid    bigint,
    primary key (tenant_id, file_id, version, seq),
    foreign key (tenant_id, file_id) references files (tenant_id, id) on delete cascade,
    check ((content is null) <> (lo_oid is null))
);
create unique index file_segments_start on file_segments (tenant_id, file_id, version, start_at) where size > 0;
create index file_segments_oid on file_segments (lo_oid) where lo_oid is not null;
alter table file_segments enable row level security;
alter table file_segments force row level security;
create policy tenant_isolation on file_segments
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on file_segments to ${admin_role} using (true) with check (true);

alter table files drop constraint files_storage_check;
alter table files add constraint files_storage_check check (storage in ('bytea', 'large_object', 'external', 'segments'));
alter table file_versions drop constraint file_versions_storage_check;
alter table file_versions add constraint file_versions_storage_check check (storage in ('bytea', 'large_object', 'external', 'segments'));

-- The bytes [p_offset, p_offset + p_length) of one version made of segments, across segment boundaries, for the
-- download hot path (called without a transaction of its own, as file_lo_get): the tenant is the caller's, and only
-- that tenant's segments and registered large objects are read.
create function file_segments_get(p_tenant uuid, p_file uuid, p_version integer, p_offset bigint, p_length integer) returns bytea
    language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
    s record;
    out bytea := ''::bytea;
    want bigint := p_offset + p_length;
    a bigint;
    b bigint;
begin
    if p_tenant is null then
        raise exception 'no tenant' using errcode = '42501';
    end if;
    for s in select g.start_at, g.size, g.content, g.lo_oid from file_segments g
              where g.tenant_id = p_tenant and g.file_id = p_file and g.version = p_version and g.size > 0
                and g.start_at < want and g.start_at + g.size > p_offset
              order by g.start_at loop
        a := greatest(p_offset, s.start_at) - s.start_at;
        b := least(want, s.start_at + s.size) - s.start_at;
        if s.lo_oid is not null then
            perform file_lo_check(p_tenant, s.lo_oid);
            out := out || lo_get(s.lo_oid::oid, a, (b - a)::integer);
        else
            out := out || substring(s.content from (a + 1)::integer for (b - a)::integer);
        end if;
    end loop;
    return out;
end
$$;
alter function file_segments_get(uuid, uuid, integer, bigint, integer) owner to ${admin_role};
revoke all on function file_segments_get(uuid, uuid, integer, bigint, integer) from public;
grant execute on function file_segments_get(uuid, uuid, integer, bigint, integer) to ${app_role};

-- A segment's large object is referred to: not an orphan.
create or replace function admin_orphan_large_objects(p_limit integer)
    returns setof bigint
    language sql stable security definer set search_path = public, pg_temp
as $$
    select m.oid::bigint from pg_largeobject_metadata m
     where m.lomowner in ('${app_role}'::regrole, '${admin_role}'::regrole)
       and not exists (select 1 from files f where f.lo_oid = m.oid::bigint)
       and not exists (select 1 from file_versions v where v.lo_oid = m.oid::bigint)
       and not exists (select 1 from file_segments g where g.lo_oid = m.oid::bigint)
     order by m.oid
     limit least(greatest(p_limit, 1), 100000)
$$;

create or replace function admin_unlink_orphan_large_object(p_oid bigint) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
as $$
begin
    perform 1 from pg_largeobject_metadata m where m.oid = p_oid::oid and m.lomowner = '${admin_role}'::regrole;
    if not found or exists (select 1 from files where lo_oid = p_oid) or exists (select 1 from file_versions where lo_oid = p_oid)
       or exists (select 1 from file_segments where lo_oid = p_oid) then
        return false;
    end if;
    delete from file_large_objects where lo_oid = p_oid;
    perform lo_unlink(p_oid::oid);
    return true;
end
$$;

-- Listings by whole path in byte order (the S3 front's ListObjects): a page is a skip scan over this index.
create index files_live_key on files (tenant_id, ((folder || name) collate "C")) where deleted_at is null;
