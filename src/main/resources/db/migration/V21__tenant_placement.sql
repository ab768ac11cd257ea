-- Tenant placement (docs/tenants.md#placement): a tenant lives in the shared tables (RLS) or in a schema of its own
-- holding the same tenant tables (RLS forced there too). The request path resolves the placement inside the
-- tenant's own transaction (tenant_scope / tenant_scope_read), never from a cache.

alter table tenants add column placement text not null default 'shared' check (placement in ('shared', 'schema'));
alter table tenants add column placement_schema text check (placement_schema ~ '^tenant_[0-9a-f]{32}$');
-- Set when the dedicated schema does not have the shared tables' shape: the tenant is refused until it is repaired.
alter table tenants add column placement_problem text;
alter table tenants add column placement_generation bigint not null default 0;
alter table tenants add constraint tenants_placement_schema check ((placement = 'schema') = (placement_schema is not null));

-- Every tenant starts in the shared tables, whatever an imported archive's row says: only a move changes placement.
create function tenants_start_shared() returns trigger
    language plpgsql set search_path = pg_catalog, pg_temp
as $$
begin
    new.placement := 'shared';
    new.placement_schema := null;
    new.placement_problem := null;
    new.placement_generation := 0;
    return new;
end
$$;
create trigger tenants_start_shared before insert on tenants for each row execute function tenants_start_shared();

-- Tenant tables that stay in the shared schema whatever the tenant's placement: looked up before the tenant is known
-- (keys), written by SECURITY DEFINER functions pinned to public (the large-object registry, the cache counter), or
-- the service's own accounting. Every other table with a tenant_id column moves with its tenant, so a new feature's
-- table follows without being listed anywhere.
create table placement_shared_tables (
    table_name text primary key,
    why        text not null
);
revoke insert, update, delete on placement_shared_tables from ${app_role};
insert into placement_shared_tables values
    ('api_keys', 'looked up by hash before the tenant is known'),
    ('s3_keys', 'looked up by access key id before the tenant is known'),
    ('file_large_objects', 'the large-object fence, read by the SECURITY DEFINER file_lo_* functions'),
    ('cache_usage', 'the cache entry counter, kept by triggers pinned to public'),
    ('usage_history', 'the service''s own telemetry about the tenant'),
    ('tenant_request_counts', 'the service''s own request accounting');

-- The advisory lock of one tenant: every tenant transaction takes it shared, a move takes it exclusive.
create function tenant_lock_key(p_tenant uuid) returns bigint
    language sql immutable strict
as $$
    select ('x' || substr(md5('onebase-tenant:' || p_tenant::text), 1, 16))::bit(64)::bigint
$$;

-- The tables that move with a tenant, parents before children (by their foreign keys).
create function tenant_placed_tables()
    returns table (table_name text, unlogged boolean, depth integer)
    language sql stable set search_path = pg_catalog, pg_temp
as $$
    with recursive t as (
        select c.oid, c.relname::text as name, c.relpersistence = 'u' as unlogged
          from pg_class c
         where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
           and c.relname <> 'tenants'
           and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
           and not exists (select 1 from public.placement_shared_tables s where s.table_name = c.relname)
    ), d (oid, depth) as (
        select t.oid, 0 from t
        union all
        select k.conrelid, d.depth + 1 from d join pg_constraint k on k.confrelid = d.oid and k.contype = 'f' and k.conrelid <> k.confrelid
         where k.conrelid in (select oid from t) and d.depth < 20
    )
    select t.name, t.unlogged, (select max(d.depth) from d where d.oid = t.oid)::integer from t order by 3, 1
$$;

-- The one scope of a tenant transaction (TenantTx): the tenant for Row-Level Security, the tenant's lock in share mode
-- (a move takes it exclusive, so writes pause while a move runs), then the placement, read after the lock so it is the
-- committed one, as the transaction's search_path. All transaction-local.
create function tenant_scope(p_tenant uuid) returns void
    language plpgsql volatile security invoker
as $$
declare
    s text;
    problem text;
begin
    perform pg_catalog.set_config('app.tenant_id', p_tenant::text, true);
    perform pg_catalog.pg_advisory_xact_lock_shared(public.tenant_lock_key(p_tenant));
    select t.placement_schema, t.placement_problem into s, problem from public.tenants t where t.id = p_tenant;
    if s is not null and problem is not null then
        raise exception 'this tenant''s dedicated schema % does not match the shared tables: %', s, problem
            using errcode = '57POB', hint = 'onebase:placement';
    end if;
    perform pg_catalog.set_config('search_path', case when s is null then 'public' else pg_catalog.quote_ident(s) || ', public' end, true);
end
$$;

-- The same for a read that must never wait (the shared pipelined connections): no lock. Declared STABLE, so it and
-- the function that calls it (also STABLE) read the placement and the rows from the same snapshot: before a move's
-- commit the old side still holds every row, after it the new side does.
create function tenant_scope_read(p_tenant uuid) returns void
    language plpgsql stable security invoker
as $$
declare
    s text;
    problem text;
begin
    perform pg_catalog.set_config('app.tenant_id', p_tenant::text, true);
    select t.placement_schema, t.placement_problem into s, problem from public.tenants t where t.id = p_tenant;
    if s is not null and problem is not null then
        raise exception 'this tenant''s dedicated schema % does not match the shared tables: %', s, problem
            using errcode = '57POB', hint = 'onebase:placement';
    end if;
    perform pg_catalog.set_config('search_path', case when s is null then 'public' else pg_catalog.quote_ident(s) || ', public' end, true);
end
$$;

-- The one-command cache functions, now for both placements (V19's bodies otherwise).
create or replace function cache_get(p_tenant uuid, p_key text) returns table (value bytea, content_type text)
    language plpgsql stable security invoker
as $$
begin
    perform public.tenant_scope_read(p_tenant);
    return query
        select case when c.hash is null then c.value else cache_wrongtype(c.value) end, c.content_type from cache_entries c
         where c.key = p_key and (c.expires_at is null or c.expires_at > now());
end
$$;

create or replace function cache_get_many(p_tenant uuid, p_keys text[])
    returns table (i bigint, value bytea, content_type text, is_hash boolean)
    language plpgsql stable security invoker
as $$
begin
    perform public.tenant_scope_read(p_tenant);
    return query
        select k.i, c.value, c.content_type, c.hash is not null
          from unnest(p_keys) with ordinality k(key, i)
          join cache_entries c on c.key = k.key collate "C" and (c.expires_at is null or c.expires_at > now());
end
$$;

create or replace function cache_set(p_tenant uuid, p_key text, p_value bytea, p_ttl_ms bigint, p_at_ms bigint, p_content_type text)
    returns void
    language plpgsql security invoker
as $$
begin
    perform public.tenant_scope(p_tenant);
    insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
    values (p_tenant, p_key, p_value,
            case when p_ttl_ms is not null then now() + p_ttl_ms * interval '1 millisecond'
                 when p_at_ms is not null then to_timestamp(p_at_ms / 1000.0) end,
            p_content_type)
    on conflict (tenant_id, key) do update
       set value = excluded.value, expires_at = excluded.expires_at, content_type = excluded.content_type, hash = null;
end
$$;

create or replace function cache_set_many(p_tenant uuid, p_keys text[], p_values bytea[], p_ttl_ms bigint[])
    returns void
    language plpgsql security invoker
as $$
begin
    perform public.tenant_scope(p_tenant);
    insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
    select p_tenant, x.k, x.v, case when x.t is null then null else now() + x.t * interval '1 millisecond' end, null
      from unnest(p_keys, p_values, p_ttl_ms) as x(k, v, t)
    on conflict (tenant_id, key) do update
       set value = excluded.value, expires_at = excluded.expires_at, content_type = null, hash = null;
end
$$;

-- A move copies the cache's rows before it deletes the originals: the counter must not refuse the copies.
create or replace function cache_count_inserts() returns trigger
    language plpgsql set search_path = public, pg_temp
as $$
declare
    r record;
begin
    for r in select i.tenant_id, count(*) as n from inserted i group by i.tenant_id loop
        insert into cache_usage as u (tenant_id, entries) values (r.tenant_id, r.n)
            on conflict (tenant_id) do update set entries = u.entries + excluded.entries;
        if coalesce(current_setting('app.placement_move', true), '') <> 'on' and (select u.entries > p.cache_entries
              from cache_usage u join tenants t on t.id = u.tenant_id join plans p on p.id = t.plan
             where u.tenant_id = r.tenant_id) then
            raise exception 'the plan''s number of cache entries is used up'
                using errcode = '53400', hint = 'onebase:cache-entries';
        end if;
    end loop;
    return null;
end
$$;

-- Segmented downloads read the tenant's own file_segments, wherever they are (same snapshot as the placement).
create or replace function file_segments_get(p_tenant uuid, p_file uuid, p_version integer, p_offset bigint, p_length integer) returns bytea
    language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
    s record;
    out bytea := ''::bytea;
    want bigint := p_offset + p_length;
    a bigint;
    b bigint;
    sch text;
begin
    if p_tenant is null then
        raise exception 'no tenant' using errcode = '42501';
    end if;
    select coalesce(t.placement_schema, 'public') into sch from tenants t where t.id = p_tenant;
    for s in execute format('select g.start_at, g.size, g.content, g.lo_oid from %I.file_segments g
              where g.tenant_id = $1 and g.file_id = $2 and g.version = $3 and g.size > 0
                and g.start_at < $4 and g.start_at + g.size > $5
              order by g.start_at', coalesce(sch, 'public')) using p_tenant, p_file, p_version, want, p_offset loop
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

-- The orphan sweep reads the shared file tables only: an object registered to a tenant in a dedicated schema is never
-- taken for an orphan (it is unlinked with its row, as before, by file_lo_unlink).
create or replace function admin_orphan_large_objects(p_limit integer)
    returns setof bigint
    language sql stable security definer set search_path = public, pg_temp
as $$
    select m.oid::bigint from pg_largeobject_metadata m
     where m.lomowner in ('${app_role}'::regrole, '${admin_role}'::regrole)
       and not exists (select 1 from files f where f.lo_oid = m.oid::bigint)
       and not exists (select 1 from file_versions v where v.lo_oid = m.oid::bigint)
       and not exists (select 1 from file_segments g where g.lo_oid = m.oid::bigint)
       and not exists (select 1 from file_large_objects r join tenants t on t.id = r.tenant_id
                        where r.lo_oid = m.oid::bigint and t.placement_schema is not null)
     order by m.oid
     limit least(greatest(p_limit, 1), 100000)
$$;

create or replace function admin_unlink_orphan_large_object(p_oid bigint) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
as $$
begin
    perform 1 from pg_largeobject_metadata m where m.oid = p_oid::oid and m.lomowner = '${admin_role}'::regrole;
    if not found or exists (select 1 from files where lo_oid = p_oid) or exists (select 1 from file_versions where lo_oid = p_oid)
       or exists (select 1 from file_segments where lo_oid = p_oid)
       or exists (select 1 from file_large_objects r join tenants t on t.id = r.tenant_id
                   where r.lo_oid = p_oid and t.placement_schema is not null) then
        return false;
    end if;
    delete from file_large_objects where lo_oid = p_oid;
    perform lo_unlink(p_oid::oid);
    return true;
end
$$;

-- A move's record, written outside the move's transaction so its progress is visible while it runs.
create table tenant_placement_moves (
    id            bigint generated always as identity primary key,
    tenant        uuid not null,
    target        text not null check (target in ('shared', 'schema')),
    status        text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
    phase         text not null default 'start',
    rows_moved    bigint not null default 0,
    tables        jsonb not null default '{}',
    backend_pid   integer,
    replica       text,
    error         text,
    pause_ms      bigint,
    started_at    timestamptz not null default now(),
    finished_at   timestamptz,
    duration_ms   bigint
);
create index tenant_placement_moves_tenant on tenant_placement_moves (tenant, id);
comment on table tenant_placement_moves is 'the operator''s record of placement moves (not tenant data: the tenant is in "tenant")';
