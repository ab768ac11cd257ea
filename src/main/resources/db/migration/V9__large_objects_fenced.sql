-- Large objects are outside Row-Level Security: from now on they belong to ${admin_role} (NOLOGIN), so the request
-- role cannot lo_get / lo_put / lo_unlink / lo_open them directly. It reaches them only through the SECURITY DEFINER
-- functions below, which check the object against this registry for the caller's tenant. Only those functions write
-- the registry (the request role has no privilege on it), so a tenant cannot claim another tenant's object.
create table file_large_objects (
    tenant_id uuid   not null references tenants (id) on delete cascade,
    lo_oid    bigint not null,
    primary key (tenant_id, lo_oid)
);
create index file_large_objects_oid on file_large_objects (lo_oid);
alter table file_large_objects enable row level security;
alter table file_large_objects force row level security;
create policy tenant_isolation on file_large_objects
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on file_large_objects to ${admin_role} using (true) with check (true);
-- the default privileges gave the request role write access: only the functions below may write here
revoke all on file_large_objects from public, ${app_role};

insert into file_large_objects (tenant_id, lo_oid)
select tenant_id, lo_oid from files where lo_oid is not null
union
select tenant_id, lo_oid from file_versions where lo_oid is not null;

-- The tenant of the functions that take it first (the hot paths, called without a transaction of their own), or the
-- transaction's (app.tenant_id) for the others; an object of another tenant, or of none, is refused (42501).
create function file_lo_check(p_tenant uuid, p_oid bigint) returns void
    language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
    if p_tenant is null or not exists (select 1 from file_large_objects where tenant_id = p_tenant and lo_oid = p_oid) then
        raise exception 'large object % is not one of this tenant''s files', p_oid using errcode = '42501';
    end if;
end
$$;
alter function file_lo_check(uuid, bigint) owner to ${admin_role};
revoke all on function file_lo_check(uuid, bigint) from public;

create function file_lo_create(p_tenant uuid) returns bigint
    language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
    o oid;
begin
    if p_tenant is null or not exists (select 1 from tenants where id = p_tenant) then
        raise exception 'no tenant' using errcode = '42501';
    end if;
    o := lo_create(0);
    insert into file_large_objects (tenant_id, lo_oid) values (p_tenant, o::bigint);
    return o::bigint;
end
$$;

create function file_lo_put(p_tenant uuid, p_oid bigint, p_offset bigint, p_data bytea) returns void
    language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
    perform file_lo_check(p_tenant, p_oid);
    perform lo_put(p_oid::oid, p_offset, p_data);
end
$$;

create function file_lo_get(p_tenant uuid, p_oid bigint, p_offset bigint, p_length integer) returns bytea
    language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
    perform file_lo_check(p_tenant, p_oid);
    return lo_get(p_oid::oid, p_offset, p_length);
end
$$;

-- Inside the tenant's transaction (purges, pruned versions): the tenant is the transaction's.
create function file_lo_unlink(p_oid bigint) returns integer
    language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
    t uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
begin
    perform file_lo_check(t, p_oid);
    delete from file_large_objects where tenant_id = t and lo_oid = p_oid;
    return lo_unlink(p_oid::oid);
end
$$;

-- Restoring a version copies its object server-side (no OID is ever shared by two rows), in 1 MiB steps.
drop function file_lo_copy(bigint);
create function file_lo_copy(p_src bigint) returns bigint
    language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
    t uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
    dst bigint;
    off bigint := 0;
    part bytea;
begin
    perform file_lo_check(t, p_src);
    dst := file_lo_create(t);
    loop
        part := lo_get(p_src::oid, off, 1048576);
        exit when length(part) = 0;
        perform lo_put(dst::oid, off, part);
        off := off + length(part);
        exit when length(part) < 1048576;
    end loop;
    return dst;
end
$$;

do $$
declare
    f text;
begin
    foreach f in array array['file_lo_create(uuid)', 'file_lo_put(uuid, bigint, bigint, bytea)', 'file_lo_get(uuid, bigint, bigint, integer)',
                             'file_lo_unlink(bigint)', 'file_lo_copy(bigint)'] loop
        execute format('alter function %s owner to ${admin_role}', f);
        execute format('revoke all on function %s from public', f);
        execute format('grant execute on function %s to ${app_role}', f);
    end loop;
end
$$;

-- Orphans (no row refers to them) of either owner: the request role's from before this migration, the admin's since.
create or replace function admin_orphan_large_objects(p_limit integer)
    returns setof bigint
    language sql stable security definer set search_path = public, pg_temp
as $$
    select m.oid::bigint from pg_largeobject_metadata m
     where m.lomowner in ('${app_role}'::regrole, '${admin_role}'::regrole)
       and not exists (select 1 from files f where f.lo_oid = m.oid::bigint)
       and not exists (select 1 from file_versions v where v.lo_oid = m.oid::bigint)
     order by m.oid
     limit least(greatest(p_limit, 1), 100000)
$$;

-- Unlinks one orphan owned by the admin role, if it still is one (the check and the unlink under one lock).
create function admin_unlink_orphan_large_object(p_oid bigint) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
as $$
begin
    perform 1 from pg_largeobject_metadata m where m.oid = p_oid::oid and m.lomowner = '${admin_role}'::regrole;
    if not found or exists (select 1 from files where lo_oid = p_oid) or exists (select 1 from file_versions where lo_oid = p_oid) then
        return false;
    end if;
    delete from file_large_objects where lo_oid = p_oid;
    perform lo_unlink(p_oid::oid);
    return true;
end
$$;
alter function admin_unlink_orphan_large_object(bigint) owner to ${admin_role};
revoke all on function admin_unlink_orphan_large_object(bigint) from public;
grant execute on function admin_unlink_orphan_large_object(bigint) to ${app_role};
