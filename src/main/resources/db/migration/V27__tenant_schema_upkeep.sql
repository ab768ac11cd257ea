-- Upkeep of dedicated tenant schemas (docs/tenants.md#placement): the orphan large-object sweep sees the references
-- held in every dedicated schema, and a purge drops the purged tenant's schema.

-- Every large-object reference of every tenant, as one query text: each column of the shared tables the migrations
-- mark 'onebase:large-object' (files, file_versions, file_segments today; a new feature's column by its comment), in
-- public and in every tenant_<id> schema that has it. Every schema with that name counts, not only those of tenants
-- placed in one now (a demoted tenant's emptied schema, a schema left by a failed move): more schemas can only keep
-- an object, never unlink one still referred to. Used as one statement, so it reads every schema from one snapshot:
-- a move committing meanwhile is seen wholly before or wholly after (its rows on one side or the other, never neither).
create function admin_large_object_refs() returns text
    language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $$
declare
    q text;
    r record;
begin
    for r in select n.nspname::text as sch, c.relname::text as tbl, a.attname::text as col
               from pg_class c
               join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               cross join pg_namespace n
              where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
                and coalesce(col_description(c.oid, a.attnum), '') like 'onebase:large-object%'
                and (n.nspname = 'public' or n.nspname ~ '^tenant_[0-9a-f]{32}$')
                and exists (select 1 from pg_attribute b
                             where b.attrelid = to_regclass(format('%I.%I', n.nspname, c.relname))
                               and b.attname = a.attname and not b.attisdropped)
              order by n.nspname <> 'public', n.nspname, c.relname, a.attname loop
        q := coalesce(q || ' union all ', '')
             || format('select %1$I::bigint as lo_oid from %2$I.%3$I where %1$I is not null', r.col, r.sch, r.tbl);
    end loop;
    return coalesce(q, 'select null::bigint as lo_oid where false');
end
$$;
alter function admin_large_object_refs() owner to ${admin_role};
revoke all on function admin_large_object_refs() from public;

-- The service's objects (the request role's from before V9, the admin role's since) that no row of any tenant refers
-- to, in the shared tables or in any dedicated schema (V21 skipped every object of a tenant in a schema instead).
create or replace function admin_orphan_large_objects(p_limit integer)
    returns setof bigint
    language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
    return query execute
        'select m.oid::bigint from pg_largeobject_metadata m
          where m.lomowner = any ($2)
            and not exists (select 1 from (' || admin_large_object_refs() || ') r where r.lo_oid = m.oid::bigint)
          order by m.oid
          limit $1'
        using least(greatest(p_limit, 1), 100000), array['${app_role}'::regrole::oid, '${admin_role}'::regrole::oid];
end
$$;

-- Checked again at the unlink, in one statement over every schema (see admin_large_object_refs).
create or replace function admin_unlink_orphan_large_object(p_oid bigint) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
as $$
declare
    referenced boolean;
begin
    perform 1 from pg_largeobject_metadata m where m.oid = p_oid::oid and m.lomowner = '${admin_role}'::regrole;
    if not found then
        return false;
    end if;
    execute 'select exists (select 1 from (' || admin_large_object_refs() || ') r where r.lo_oid = $1)' into referenced using p_oid;
    if referenced then
        return false;
    end if;
    delete from file_large_objects where lo_oid = p_oid;
    perform lo_unlink(p_oid::oid);
    return true;
end
$$;

-- A purge drops the purged tenant's dedicated schema (the one it is placed in, or the emptied one a demotion left) and
-- the records of its moves. Called in the purge's transaction after the tenant's row is deleted; refused while the
-- row exists, so a live tenant's schema is never dropped. The name is derived from the id, never taken from a caller.
-- Runs as the owner of the shared tables, who owns the schemas (tenant_schema_sync).
create function tenant_drop_schema(p_tenant uuid) returns boolean
    language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$
declare
    sch text := public.tenant_schema_name(p_tenant);
    dropped boolean := false;
begin
    if exists (select 1 from public.tenants where id = p_tenant) then
        raise exception 'tenant % still exists: only a purged tenant''s schema is dropped', p_tenant using errcode = '55000';
    end if;
    if to_regnamespace(sch) is not null then
        execute format('drop schema %I cascade', sch);
        dropped := true;
    end if;
    delete from public.tenant_placement_moves where tenant = p_tenant;
    return dropped;
end
$$;
revoke all on function tenant_drop_schema(uuid) from public;
grant execute on function tenant_drop_schema(uuid) to ${app_role};
