-- Dedicated tenant schemas (docs/tenants.md#migrations-of-dedicated-schemas): instead of running Flyway once per schema
-- (the migrations create roles' grants, functions and the shared tables in public, so they cannot be replayed into
-- another schema), a dedicated schema is made, and kept, a clone of the shared tenant tables as the catalog describes
-- them after every migration: tables, columns, defaults, checks, indexes, foreign keys (to the schema's own tables, or
-- to the shared ones they refer to), triggers, Row-Level Security enabled and forced with the same policies, the same
-- grants and the same owner. What can be brought over without touching data is brought over (a new table, a new
-- column, index, check, trigger, policy, grant); anything else (a changed or dropped column, an index or table the
-- shared schema no longer has, a stray object) is reported, recorded on the tenant (placement_problem) and the tenant
-- is refused (tenant_scope raises 57POB: 503) until it is repaired, never served from a stale schema.
--
-- Runs as the owner of the shared tables (SECURITY DEFINER, owned by the migrating role), so the clone has the same
-- owner; the name is derived from the tenant id, never taken from a caller.

create function tenant_schema_name(p_tenant uuid) returns text
    language sql immutable strict
as $$
    select 'tenant_' || replace(p_tenant::text, '-', '')
$$;

-- The differences between the dedicated schema and the shared tables that a sync cannot repair (no rows: same shape).
create function tenant_schema_problems(p_schema text)
    returns setof text
    language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $$
declare
    t record;
    src oid;
    dst oid;
begin
    if to_regnamespace(p_schema) is null then
        return next format('schema %I does not exist', p_schema);
        return;
    end if;
    for t in select * from public.tenant_placed_tables() loop
        src := format('public.%I', t.table_name)::regclass;
        dst := to_regclass(format('%I.%I', p_schema, t.table_name));
        if dst is null then
            return next format('table %I is missing', t.table_name);
            continue;
        end if;
        return query
            select format('column %I.%I is %s in the shared table but %s here', t.table_name, coalesce(s.attname, d.attname),
                          coalesce(format_type(s.atttypid, s.atttypmod) || case when s.attnotnull then ' not null' else '' end
                                   || case when s.attgenerated <> '' then ' generated' else '' end, 'absent'),
                          coalesce(format_type(d.atttypid, d.atttypmod) || case when d.attnotnull then ' not null' else '' end
                                   || case when d.attgenerated <> '' then ' generated' else '' end, 'absent'))
              from (select * from pg_attribute where attrelid = src and attnum > 0 and not attisdropped) s
              full join (select * from pg_attribute where attrelid = dst and attnum > 0 and not attisdropped) d on d.attname = s.attname
             where s.attname is null or d.attname is null or s.atttypid <> d.atttypid or s.atttypmod <> d.atttypmod
                or s.attnotnull <> d.attnotnull or s.attgenerated <> d.attgenerated;
        if (select relpersistence from pg_class where oid = src) <> (select relpersistence from pg_class where oid = dst) then
            return next format('table %I is logged in one schema and unlogged in the other', t.table_name);
        end if;
        return query
            select format('index on %I %s is not in the shared table', t.table_name, x.def)
              from (select public.tenant_index_shape(i.indexrelid) as def from pg_index i where i.indrelid = dst) x
             where x.def not in (select public.tenant_index_shape(i.indexrelid) from pg_index i where i.indrelid = src);
        return query
            select format('policy %I on %I is not in the shared table', p.polname, t.table_name)
              from pg_policy p where p.polrelid = dst
               and not exists (select 1 from pg_policy q where q.polrelid = src and q.polname = p.polname);
    end loop;
    return query
        select format('%s %I is not a table of the shared schema', case c.relkind when 'r' then 'table' when 'v' then 'view'
                          when 'm' then 'materialized view' when 'S' then 'sequence' when 'f' then 'foreign table' else 'relation' end, c.relname)
          from pg_class c
         where c.relnamespace = to_regnamespace(p_schema) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
           and not (c.relkind in ('r', 'p') and c.relname in (select table_name from public.tenant_placed_tables()))
           and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')));
    return query
        select format('function %s is not expected in a tenant schema', p.oid::regprocedure)
          from pg_proc p where p.pronamespace = to_regnamespace(p_schema);
end
$$;

-- An index's definition without its name and table, to compare a clone's with the shared one's.
create function tenant_index_shape(p_index oid) returns text
    language sql stable set search_path = pg_catalog, pg_temp
as $$
    select regexp_replace(pg_get_indexdef(p_index), '^CREATE (UNIQUE )?INDEX \S+ ON \S+ ', 'CREATE \1INDEX ON T ')
$$;

-- Creates the tenant's schema, or brings it to the shared tables' shape; records and returns what it cannot repair.
create function tenant_schema_sync(p_tenant uuid)
    returns setof text
    language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$
declare
    sch text := public.tenant_schema_name(p_tenant);
    t record;
    r record;
    src oid;
    dst oid;
    owner_name text := (select pg_get_userbyid(relowner) from pg_class where oid = 'public.tenants'::regclass);
    problems text[];
begin
    if not exists (select 1 from public.tenants where id = p_tenant) then
        raise exception 'no tenant %', p_tenant using errcode = '42704';
    end if;
    if to_regnamespace(sch) is null then
        execute format('create schema %I authorization %I', sch, owner_name);
        execute format('revoke all on schema %I from public', sch);
        execute format('grant usage on schema %I to ${app_role}, ${admin_role}', sch);
    end if;
    -- tables first, then what refers across them (foreign keys)
    for t in select * from public.tenant_placed_tables() loop
        if to_regclass(format('%I.%I', sch, t.table_name)) is null then
            execute format('create %s table %I.%I (like public.%I including all)', case when t.unlogged then 'unlogged' else '' end,
                           sch, t.table_name, t.table_name);
        end if;
    end loop;
    for t in select * from public.tenant_placed_tables() loop
        src := format('public.%I', t.table_name)::regclass;
        dst := format('%I.%I', sch, t.table_name)::regclass;
        -- new columns of the shared table
        for r in select a.attname, format_type(a.atttypid, a.atttypmod) as typ, a.attnotnull, a.attgenerated,
                        pg_get_expr(d.adbin, d.adrelid) as def
                   from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                  where a.attrelid = src and a.attnum > 0 and not a.attisdropped
                    and not exists (select 1 from pg_attribute b where b.attrelid = dst and b.attname = a.attname and not b.attisdropped)
                  order by a.attnum loop
            execute format('alter table %I.%I add column %I %s %s %s', sch, t.table_name, r.attname, r.typ,
                           case when r.attgenerated = 's' then format('generated always as (%s) stored', r.def)
                                when r.def is not null then 'default ' || r.def else '' end,
                           case when r.attnotnull then 'not null' else '' end);
        end loop;
        -- indexes, checks, foreign keys, triggers the clone lacks
        for r in select i.indexrelid from pg_index i where i.indrelid = src
                    and public.tenant_index_shape(i.indexrelid) not in (select public.tenant_index_shape(j.indexrelid) from pg_index j where j.indrelid = dst) loop
            execute regexp_replace(pg_get_indexdef(r.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ON \S+ ',
                                   format('CREATE \1INDEX ON %I.%I ', sch, t.table_name));
        end loop;
        for r in select k.conname, pg_get_constraintdef(k.oid) as def, k.contype, k.confrelid from pg_constraint k
                  where k.conrelid = src and k.contype in ('c', 'f')
                    and not exists (select 1 from pg_constraint m where m.conrelid = dst and m.conname = k.conname) loop
            execute format('alter table %I.%I add constraint %I %s', sch, t.table_name, r.conname,
                           case when r.contype = 'f' and (select relname from pg_class where oid = r.confrelid) in (select table_name from public.tenant_placed_tables())
                                then replace(r.def, 'REFERENCES public.', format('REFERENCES %I.', sch))
                                else r.def end);
        end loop;
        for r in select g.tgname, pg_get_triggerdef(g.oid) as def from pg_trigger g
                  where g.tgrelid = src and not g.tgisinternal
                    and not exists (select 1 from pg_trigger h where h.tgrelid = dst and h.tgname = g.tgname) loop
            execute replace(r.def, format(' ON public.%I ', t.table_name), format(' ON %I.%I ', sch, t.table_name));
        end loop;
        -- Row-Level Security, forced (only when needed: ALTER TABLE locks the table)
        if not (select relrowsecurity and relforcerowsecurity from pg_class where oid = dst) then
            execute format('alter table %I.%I enable row level security', sch, t.table_name);
            execute format('alter table %I.%I force row level security', sch, t.table_name);
        end if;
        -- the same policies: missing or different ones are (re)made, extra ones dropped
        for r in select p.polname from pg_policy p where p.polrelid = dst
                    and not exists (select 1 from pg_policy q where q.polrelid = src and q.polname = p.polname
                                       and q.polcmd = p.polcmd and q.polroles = p.polroles and q.polpermissive = p.polpermissive
                                       and pg_get_expr(q.polqual, q.polrelid) is not distinct from pg_get_expr(p.polqual, p.polrelid)
                                       and pg_get_expr(q.polwithcheck, q.polrelid) is not distinct from pg_get_expr(p.polwithcheck, p.polrelid)) loop
            execute format('drop policy %I on %I.%I', r.polname, sch, t.table_name);
        end loop;
        for r in select q.polname, q.polpermissive,
                        case q.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end as cmd,
                        (select string_agg(case when x = 0 then 'public' else quote_ident(pg_get_userbyid(x)) end, ', ') from unnest(q.polroles) x) as roles,
                        pg_get_expr(q.polqual, q.polrelid) as qual, pg_get_expr(q.polwithcheck, q.polrelid) as chk
                   from pg_policy q where q.polrelid = src
                    and not exists (select 1 from pg_policy p where p.polrelid = dst and p.polname = q.polname) loop
            execute format('create policy %I on %I.%I as %s for %s to %s %s %s', r.polname, sch, t.table_name,
                           case when r.polpermissive then 'permissive' else 'restrictive' end, r.cmd, r.roles,
                           case when r.qual is not null then format('using (%s)', r.qual) else '' end,
                           case when r.chk is not null then format('with check (%s)', r.chk) else '' end);
        end loop;
        -- the same grants
        if (select relacl from pg_class where oid = src) is distinct from (select relacl from pg_class where oid = dst) then
            execute format('revoke all on %I.%I from public, ${app_role}, ${admin_role}', sch, t.table_name);
            for r in select a.privilege_type, a.grantee from pg_class c, aclexplode(c.relacl) a
                      where c.oid = src and a.grantee <> c.relowner loop
                execute format('grant %s on %I.%I to %s', r.privilege_type, sch, t.table_name,
                               case when r.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(r.grantee)) end);
            end loop;
        end if;
        if (select relowner from pg_class where oid = dst) <> (select relowner from pg_class where oid = src) then
            execute format('alter table %I.%I owner to %I', sch, t.table_name, owner_name);
        end if;
    end loop;
    perform public.tenant_align_sequences(p_tenant);
    problems := array(select public.tenant_schema_problems(sch));
    update public.tenants set placement_problem = case when cardinality(problems) = 0 then null else array_to_string(problems, '; ') end
     where id = p_tenant and (placement_problem is distinct from case when cardinality(problems) = 0 then null else array_to_string(problems, '; ') end);
    return query select unnest(problems);
end
$$;

-- Identity columns of the clone and of the shared table draw from two sequences: each is moved past the other, so
-- rows that move either way never meet a number already given.
create function tenant_align_sequences(p_tenant uuid) returns void
    language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$
declare
    sch text := public.tenant_schema_name(p_tenant);
    r record;
    a bigint;
    b bigint;
begin
    if to_regnamespace(sch) is null then
        return;
    end if;
    for r in select pg_get_serial_sequence(format('public.%I', t.table_name), a.attname) as s1,
                    pg_get_serial_sequence(format('%I.%I', sch, t.table_name), a.attname) as s2
               from public.tenant_placed_tables() t
               join pg_attribute a on a.attrelid = format('public.%I', t.table_name)::regclass and a.attidentity <> ''
              where to_regclass(format('%I.%I', sch, t.table_name)) is not null loop
        continue when r.s1 is null or r.s2 is null;
        -- the last number each has given (a sequence never called has given none: last_value - 1)
        execute format('select case when is_called then last_value else last_value - 1 end from %s', r.s1) into a;
        execute format('select case when is_called then last_value else last_value - 1 end from %s', r.s2) into b;
        if a < b then
            perform setval(r.s1, b, true);
        elsif b < a then
            perform setval(r.s2, a, true);
        end if;
    end loop;
end
$$;

-- One step of a move, as the request role under the tenant's scope: copy the tenant's rows of one table from one
-- schema to the other (generated columns are computed again, identity values kept).
create function tenant_move_copy(p_tenant uuid, p_table text, p_from text, p_to text) returns bigint
    language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $$
declare
    cols text;
    n bigint;
begin
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum) into cols
      from pg_attribute a
     where a.attrelid = format('%I.%I', p_to, p_table)::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';
    execute format('insert into %I.%I (%s) overriding system value select %s from %I.%I where tenant_id = $1',
                   p_to, p_table, cols, cols, p_from, p_table) using p_tenant;
    get diagnostics n = row_count;
    return n;
end
$$;

create function tenant_move_delete(p_tenant uuid, p_table text, p_from text) returns bigint
    language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $$
declare
    n bigint;
begin
    execute format('delete from %I.%I where tenant_id = $1', p_from, p_table) using p_tenant;
    get diagnostics n = row_count;
    return n;
end
$$;

-- The flip at the end of a move (the tenant's row is the operator's: the request role does not write placement).
create function tenant_set_placement(p_tenant uuid, p_placement text) returns void
    language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$
begin
    update public.tenants
       set placement = p_placement,
           placement_schema = case when p_placement = 'schema' then public.tenant_schema_name(p_tenant) end,
           placement_generation = placement_generation + 1
     where id = p_tenant;
    if not found then
        raise exception 'no tenant %', p_tenant using errcode = '42704';
    end if;
end
$$;

do $$
declare
    f text;
begin
    foreach f in array array['tenant_schema_sync(uuid)', 'tenant_schema_problems(text)', 'tenant_align_sequences(uuid)',
                             'tenant_set_placement(uuid, text)'] loop
        execute format('revoke all on function %s from public', f);
        execute format('grant execute on function %s to ${app_role}', f);
    end loop;
end
$$;

-- The tenants in a schema of their own (start-up brings each schema to the shared tables' shape).
create function admin_schema_tenants() returns setof uuid
    language sql stable security definer set search_path = public, pg_temp
as $$
    select id from tenants where placement = 'schema' order by id
$$;
alter function admin_schema_tenants() owner to ${admin_role};
revoke all on function admin_schema_tenants() from public;
grant execute on function admin_schema_tenants() to ${app_role};

-- One tenant's placement, for the admin API.
create function admin_tenant_placement(p_tenant uuid)
    returns table (placement text, placement_schema text, placement_problem text)
    language sql stable security definer set search_path = public, pg_temp
as $$
    select placement, placement_schema, placement_problem from tenants where id = p_tenant
$$;
alter function admin_tenant_placement(uuid) owner to ${admin_role};
revoke all on function admin_tenant_placement(uuid) from public;
grant execute on function admin_tenant_placement(uuid) to ${app_role};
