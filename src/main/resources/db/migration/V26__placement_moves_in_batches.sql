-- Placement moves in batches with a short final pause (docs/tenants.md#a-move), and a scope without the tenant's lock
-- for the requests that touch shared tables only.
--
-- A move now: (1) arms a change log for the tenant (a short exclusive hold of the tenant's lock, so every transaction
-- of the tenant that could have missed the arming has ended); (2) copies the tenant's rows to the other side in
-- batches, each its own transaction, while the tenant keeps writing the old side and every row it changes is noted
-- (table and primary key) by a row trigger; (3) takes the tenant's lock exclusively for the final step only: rows the
-- old side no longer has are pruned from the copy, the noted rows copied again, sequences aligned, the placement
-- flipped, in one transaction; (4) deletes the old side in batches after the flip, outside the pause.
--
-- Why a trigger log and not a per-row marker (xmin, an updated_at column): a deleted row leaves no marker, and every
-- table would need a new column and index; the log costs nothing outside a move (the trigger's WHEN clause reads a
-- transaction-local setting that tenant_scope sets only while the tenant's move is armed, so the function is not
-- even called), and during a move it costs one small insert per changed row of that tenant only.

-- The request-limit buckets become shared: the request-limit lease writes them on every tenant's hot path and must not
-- wait for a move. Their state is a cache of the limiter (the table is UNLOGGED: a crash empties it anyway).
insert into placement_shared_tables values
    ('rate_limits', 'request-limit and rate-limit buckets: the lease writes them without waiting for a placement move');

do $$
declare
    s record;
    cols text;
begin
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum) into cols
      from pg_attribute a where a.attrelid = 'public.rate_limits'::regclass and a.attnum > 0 and not a.attisdropped;
    for s in select n.nspname, t.id from pg_namespace n
               left join tenants t on public.tenant_schema_name(t.id) = n.nspname
              where n.nspname ~ '^tenant_[0-9a-f]{32}$' and to_regclass(format('%I.rate_limits', n.nspname)) is not null loop
        if s.id is not null then
            perform set_config('app.tenant_id', s.id::text, true);
            execute format('insert into public.rate_limits (%s) select %s from %I.rate_limits where tenant_id = $1 on conflict do nothing',
                           cols, cols, s.nspname) using s.id;
        end if;
        execute format('drop table %I.rate_limits', s.nspname);
    end loop;
    perform set_config('app.tenant_id', '', true);
end
$$;

-- The tenants whose move is copying: their transactions note every changed row.
create table tenant_moves_logging (
    tenant     uuid primary key,
    move_id    bigint not null,
    armed_at   timestamptz not null default now()
);
comment on table tenant_moves_logging is 'the operator''s record of tenants whose placement move is copying (not tenant data)';
-- read by tenant_scope (as the request role), written by the move
grant select, insert, update, delete on tenant_moves_logging to ${app_role};

-- The rows a tenant changed while its move was copying: table and primary key (as jsonb), nothing else. Only the
-- SECURITY DEFINER functions below touch it. UNLOGGED: a crash fails the move anyway (the log is useless after it).
create unlogged table tenant_move_log (
    tenant      uuid not null,
    table_name  text not null,
    pk          jsonb not null
);
create index tenant_move_log_tenant on tenant_move_log (tenant, table_name);
comment on table tenant_move_log is 'primary keys changed during a placement move (not tenant data: only keys, read by the move)';
revoke all on tenant_move_log from ${app_role}, ${admin_role};

-- The primary key columns of a table (a move needs one on every table it moves).
create function tenant_table_pk(p_table regclass) returns text[]
    language sql stable set search_path = pg_catalog, pg_temp
as $$
    select array_agg(a.attname::text order by k.n)
      from pg_index i, unnest(i.indkey::int2[]) with ordinality k(attnum, n), pg_attribute a
     where i.indrelid = p_table and i.indisprimary and a.attrelid = p_table and a.attnum = k.attnum
$$;

-- A noted key as a row of typed literals, '(''..''::uuid, ''k''::text)': a row comparison with constants is an index
-- condition (one with a subquery would not be), so each batch starts where the last one stopped.
create function tenant_pk_literal(p_table regclass, p_key jsonb) returns text
    language sql stable set search_path = pg_catalog, pg_temp
as $$
    select '(' || string_agg(quote_nullable(p_key ->> c) || '::' || format_type(a.atttypid, a.atttypmod), ', ' order by k.n) || ')'
      from unnest(public.tenant_table_pk(p_table)) with ordinality k(c, n)
      join pg_attribute a on a.attrelid = p_table and a.attname = k.c
$$;

-- The row trigger: the changed row's primary key, for the tenant being moved (TG_ARGV: the key's columns).
create function tenant_move_note() returns trigger
    language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
declare
    r jsonb;
    o jsonb;
    k jsonb;
begin
    if tg_op = 'DELETE' then
        r := to_jsonb(old);
    else
        r := to_jsonb(new);
    end if;
    select jsonb_object_agg(c, r -> c) into k from unnest(tg_argv) c;
    insert into public.tenant_move_log (tenant, table_name, pk) values ((r ->> 'tenant_id')::uuid, tg_table_name, k);
    if tg_op = 'UPDATE' then
        o := to_jsonb(old);
        select jsonb_object_agg(c, o -> c) into o from unnest(tg_argv) c;
        if o <> k then
            insert into public.tenant_move_log (tenant, table_name, pk) values ((r ->> 'tenant_id')::uuid, tg_table_name, o);
        end if;
    end if;
    return null;
end
$$;

-- Makes the note trigger on every moving table of public and of the given schema (when missing: once after a
-- migration adds a table). tenant_schema_sync clones public's triggers into a new schema, so a fresh schema has them.
create function tenant_move_triggers(p_schema text) returns integer
    language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$
declare
    t record;
    sch text;
    rel regclass;
    pk text[];
    made integer := 0;
begin
    foreach sch in array array['public', p_schema] loop
        continue when sch is null or to_regnamespace(sch) is null or (sch <> 'public' and sch !~ '^tenant_[0-9a-f]{32}$');
        for t in select * from public.tenant_placed_tables() loop
            rel := to_regclass(format('%I.%I', sch, t.table_name));
            continue when rel is null or exists (select 1 from pg_trigger g where g.tgrelid = rel and g.tgname = 'tenant_move_noted');
            pk := public.tenant_table_pk(rel);
            if pk is null then
                raise exception 'table %.% has no primary key: a placement move cannot follow its rows', sch, t.table_name
                    using errcode = '55000';
            end if;
            execute format('create trigger tenant_move_noted after insert or update or delete on %I.%I for each row '
                           || 'when (current_setting(''app.move_log'', true) = ''on'') execute function public.tenant_move_note(%s)',
                           sch, t.table_name, (select string_agg(quote_literal(c), ', ') from unnest(pk) c));
            made := made + 1;
        end loop;
    end loop;
    return made;
end
$$;
select tenant_move_triggers(null);
select tenant_move_triggers(n.nspname::text) from pg_namespace n where n.nspname ~ '^tenant_[0-9a-f]{32}$';

-- The keys noted for one table of the tenant being moved (for the move's final step).
create function tenant_move_logged(p_tenant uuid, p_table text) returns setof jsonb
    language sql stable security definer set search_path = pg_catalog, pg_temp
as $$
    select distinct l.pk from public.tenant_move_log l where l.tenant = p_tenant and l.table_name = p_table
$$;

create function tenant_move_log_clear(p_tenant uuid) returns void
    language sql volatile security definer set search_path = pg_catalog, pg_temp
as $$
    delete from public.tenant_move_log where tenant = p_tenant
$$;

-- tenant_scope (V21) also turns the change log on for a tenant whose move is copying (app.move_log, read by the note
-- triggers' WHEN clause); read in the same statement as the placement, after the lock.
create or replace function tenant_scope(p_tenant uuid) returns void
    language plpgsql volatile security invoker
as $$
declare
    s text;
    problem text;
    logging boolean;
begin
    perform pg_catalog.set_config('app.tenant_id', p_tenant::text, true);
    perform pg_catalog.pg_advisory_xact_lock_shared(public.tenant_lock_key(p_tenant));
    select t.placement_schema, t.placement_problem, exists (select 1 from public.tenant_moves_logging m where m.tenant = p_tenant)
      into s, problem, logging
      from public.tenants t where t.id = p_tenant;
    if s is not null and problem is not null then
        raise exception 'this tenant''s dedicated schema % does not match the shared tables: %', s, problem
            using errcode = '57POB', hint = 'onebase:placement';
    end if;
    perform pg_catalog.set_config('search_path', case when s is null then 'public' else pg_catalog.quote_ident(s) || ', public' end, true);
    perform pg_catalog.set_config('app.move_log', case when logging then 'on' else '' end, true);
end
$$;

-- The scope of a transaction that touches shared tables only (placement_shared_tables: the API key lookup, the
-- request-limit lease): app.tenant_id for RLS, search_path public, and no lock, so it never waits for a move.
create function tenant_scope_shared(p_tenant uuid) returns void
    language plpgsql volatile security invoker
as $$
begin
    perform pg_catalog.set_config('app.tenant_id', p_tenant::text, true);
    perform pg_catalog.set_config('search_path', 'public', true);
end
$$;

-- One batch of a move's copy: up to p_limit of the tenant's rows of one table after the key p_after (null: from the
-- start), in key order; returns how many and the last key. As the request role under the tenant's scope.
create function tenant_move_copy_batch(p_tenant uuid, p_table text, p_from text, p_to text, p_after jsonb, p_limit integer)
    returns table (copied bigint, last_key jsonb)
    language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $$
declare
    cols text;
    pk text[] := public.tenant_table_pk(format('%I.%I', p_from, p_table)::regclass);
    pk_s text;
    pk_plain text;
begin
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum) into cols
      from pg_attribute a
     where a.attrelid = format('%I.%I', p_to, p_table)::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';
    select string_agg('s.' || quote_ident(c), ', '), string_agg(quote_ident(c), ', ') into pk_s, pk_plain from unnest(pk) c;
    return query execute format($q$
        with b as (
            select %1$s from %2$I.%3$I s
             where s.tenant_id = $1 %4$s
             order by %5$s limit $2),
        ins as (insert into %6$I.%3$I (%1$s) overriding system value select %1$s from b)
        select count(*), (select to_jsonb(x) from (select %7$s from b order by %7$s desc limit 1) x) from b
        $q$, cols, p_from, p_table,
        case when p_after is null then '' else format('and (%s) > %s', pk_s, public.tenant_pk_literal(format('%I.%I', p_from, p_table)::regclass, p_after)) end,
        pk_s, p_to, pk_plain) using p_tenant, p_limit;
end
$$;

-- The final step, per table, under the tenant's exclusive lock. Prune: the copy's rows the old side no longer has
-- (deleted meanwhile, by the tenant or by a sweeper that does not note). Children first.
create function tenant_move_prune(p_tenant uuid, p_table text, p_from text, p_to text) returns bigint
    language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $$
declare
    pk text[] := public.tenant_table_pk(format('%I.%I', p_from, p_table)::regclass);
    n bigint;
begin
    execute format('delete from %I.%I d where d.tenant_id = $1 and not exists (select 1 from %I.%I s where s.tenant_id = $1 and (%s) = (%s))',
                   p_to, p_table, p_from, p_table,
                   (select string_agg('s.' || quote_ident(c), ', ') from unnest(pk) c),
                   (select string_agg('d.' || quote_ident(c), ', ') from unnest(pk) c)) using p_tenant;
    get diagnostics n = row_count;
    return n;
end
$$;

-- Then the noted rows copied again (inserted or updated on the copy), parents first.
create function tenant_move_apply(p_tenant uuid, p_table text, p_from text, p_to text) returns bigint
    language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $$
declare
    pk text[] := public.tenant_table_pk(format('%I.%I', p_from, p_table)::regclass);
    cols text;
    sets text;
    n bigint;
begin
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum),
           string_agg(format('%1$I = excluded.%1$I', a.attname), ', ' order by a.attnum)
               filter (where not a.attname::text = any (pk) and a.attidentity <> 'a')
      into cols, sets
      from pg_attribute a
     where a.attrelid = format('%I.%I', p_to, p_table)::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';
    execute format('insert into %I.%I (%s) overriding system value select %s from %I.%I s '
                   || 'where s.tenant_id = $1 and (%s) in (select %s from public.tenant_move_logged($1, $2) l(pk), jsonb_populate_record(null::%I.%I, l.pk) r) '
                   || 'on conflict (%s) do %s',
                   p_to, p_table, cols, cols, p_from, p_table,
                   (select string_agg('s.' || quote_ident(c), ', ') from unnest(pk) c),
                   (select string_agg('r.' || quote_ident(c), ', ') from unnest(pk) c),
                   p_from, p_table,
                   (select string_agg(quote_ident(c), ', ') from unnest(pk) c),
                   case when sets is null then 'nothing' else 'update set ' || sets end) using p_tenant, p_table;
    get diagnostics n = row_count;
    return n;
end
$$;

-- The final step's work on the rows in one call (one round trip inside the pause): prune children first, then the
-- noted rows parents first. Returns how many noted rows were copied again. The old side is deleted after the flip, in
-- batches (tenant_move_delete_batch), outside the pause: nobody reads it any more.
create function tenant_move_finish(p_tenant uuid, p_from text, p_to text) returns bigint
    language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $$
declare
    t record;
    noted bigint := 0;
begin
    for t in select * from public.tenant_placed_tables() order by depth desc, table_name desc loop
        perform public.tenant_move_prune(p_tenant, t.table_name, p_from, p_to);
    end loop;
    for t in select * from public.tenant_placed_tables() order by depth, table_name loop
        noted := noted + public.tenant_move_apply(p_tenant, t.table_name, p_from, p_to);
    end loop;
    return noted;
end
$$;

-- Up to p_limit of the tenant's rows of one table deleted from one side (the old side after a flip, or an abandoned
-- copy); how many.
create function tenant_move_delete_batch(p_tenant uuid, p_table text, p_side text, p_limit integer) returns bigint
    language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $$
declare
    n bigint;
begin
    execute format('delete from %1$I.%2$I where ctid = any (array(select ctid from %1$I.%2$I where tenant_id = $1 limit $2))', p_side, p_table)
        using p_tenant, p_limit;
    get diagnostics n = row_count;
    return n;
end
$$;

-- The move's own copies and deletes are not the tenant's entries coming and going: the cache counter ignores them
-- (app.placement_move, set by the move's transactions only), so it stays exact while the copy sits on both sides.
create or replace function cache_count_inserts() returns trigger
    language plpgsql set search_path = public, pg_temp
as $$
declare
    r record;
begin
    if coalesce(current_setting('app.placement_move', true), '') = 'on' then
        return null;
    end if;
    for r in select i.tenant_id, count(*) as n from inserted i group by i.tenant_id loop
        insert into cache_usage as u (tenant_id, entries) values (r.tenant_id, r.n)
            on conflict (tenant_id) do update set entries = u.entries + excluded.entries;
        if (select u.entries > p.cache_entries
              from cache_usage u join tenants t on t.id = u.tenant_id join plans p on p.id = t.plan
             where u.tenant_id = r.tenant_id) then
            raise exception 'the plan''s number of cache entries is used up'
                using errcode = '53400', hint = 'onebase:cache-entries';
        end if;
    end loop;
    return null;
end
$$;

create or replace function cache_count_deletes() returns trigger
    language plpgsql set search_path = public, pg_temp
as $$
begin
    if coalesce(current_setting('app.placement_move', true), '') = 'on' then
        return null;
    end if;
    update cache_usage u set entries = greatest(u.entries - d.n, 0)
      from (select tenant_id, count(*) as n from deleted group by tenant_id) d
     where u.tenant_id = d.tenant_id;
    return null;
end
$$;

alter table tenant_placement_moves add column copy_ms bigint;
alter table tenant_placement_moves add column noted_rows bigint;

do $$
declare
    f text;
begin
    foreach f in array array['tenant_move_triggers(text)', 'tenant_move_logged(uuid, text)', 'tenant_move_log_clear(uuid)'] loop
        execute format('revoke all on function %s from public', f);
        execute format('grant execute on function %s to ${app_role}', f);
    end loop;
end
$$;
