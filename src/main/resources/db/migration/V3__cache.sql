-- Cache, sessions, rate limits, per-tenant request counts and feature flags.
--
-- Durability, table by table:
--   cache_entries, cache_usage, rate_limits: UNLOGGED. They are cheap to write (no WAL) and a cache is allowed to
--     forget: after a crash PostgreSQL truncates them, and the service keeps working with an empty cache, fresh
--     rate-limit buckets and a zero entry count (which matches the empty cache, since both are truncated together).
--   sessions, feature_flags, tenant_request_counts: logged. Losing every user's login on a database crash is not
--     acceptable, flags are configuration, and the request counts are usage statistics.

-- Plan limits of the cache beside the existing ones (the number of entries is plans.cache_entries).
alter table plans
    add column cache_max_key_bytes   integer not null default 512 check (cache_max_key_bytes between 1 and 65536),
    add column cache_max_value_bytes integer not null default 1048576 check (cache_max_value_bytes between 1 and 104857600);
update plans set cache_max_key_bytes = 1024, cache_max_value_bytes = 4194304 where id = 'pro';
update plans set cache_max_key_bytes = 4096, cache_max_value_bytes = 16777216 where id = 'enterprise';

-- Key/value cache ---------------------------------------------------------------------------------------------
create unlogged table cache_entries (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    key          text collate "C" not null,
    value        bytea not null,
    expires_at   timestamptz,
    content_type text,
    primary key (tenant_id, key)
) with (fillfactor = 80);
-- only for the sweeper, which works across tenants; entries without expiry are not in it
create index cache_entries_expiry on cache_entries (expires_at) where expires_at is not null;
alter table cache_entries enable row level security;
alter table cache_entries force row level security;
create policy tenant_isolation on cache_entries
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on cache_entries to ${admin_role} using (true) with check (true);

-- How many rows each tenant has in cache_entries (expired ones count until the sweeper removes them). Kept by
-- statement-level triggers, so the plan's entry limit is exact under concurrency: the row lock on a tenant's
-- counter orders concurrent inserts, and an insert that goes over the limit fails its whole statement.
create unlogged table cache_usage (
    tenant_id uuid not null references tenants (id) on delete cascade,
    entries   bigint not null default 0,
    primary key (tenant_id)
);
alter table cache_usage enable row level security;
alter table cache_usage force row level security;
create policy tenant_isolation on cache_usage
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on cache_usage to ${admin_role} using (true) with check (true);

create function cache_count_inserts() returns trigger
    language plpgsql set search_path = public, pg_temp
as $$
declare
    r record;
begin
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

create function cache_count_deletes() returns trigger
    language plpgsql set search_path = public, pg_temp
as $$
begin
    update cache_usage u set entries = greatest(u.entries - d.n, 0)
      from (select tenant_id, count(*) as n from deleted group by tenant_id) d
     where u.tenant_id = d.tenant_id;
    return null;
end
$$;

create trigger cache_entries_counted_in after insert on cache_entries
    referencing new table as inserted for each statement execute function cache_count_inserts();
create trigger cache_entries_counted_out after delete on cache_entries
    referencing old table as deleted for each statement execute function cache_count_deletes();

-- The integer a value holds, for INCR/DECR: the Redis rule (optional '-', digits, fits in 64 bits).
create function cache_int8(v bytea) returns bigint
    language plpgsql immutable strict
as $$
declare
    s text;
begin
    if length(v) > 20 then
        raise exception 'value is not an integer or out of range' using errcode = '22P02';
    end if;
    s := encode(v, 'escape');
    if s !~ '^(0|-?[1-9][0-9]*)$' then
        raise exception 'value is not an integer or out of range' using errcode = '22P02';
    end if;
    return s::bigint;
exception when numeric_value_out_of_range then
    raise exception 'value is not an integer or out of range' using errcode = '22P02';
end
$$;

-- Sessions ----------------------------------------------------------------------------------------------------
-- Logged: a database crash must not log every user out. id is the SHA-256 of the opaque token; the token itself
-- is never stored.
create table sessions (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    id           bytea not null check (length(id) = 32),
    user_id      text not null check (length(user_id) between 1 and 256),
    data         jsonb not null default '{}' check (jsonb_typeof(data) = 'object'),
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    idle_timeout interval not null,
    expires_at   timestamptz not null,
    absolute_expires_at timestamptz,
    primary key (tenant_id, id)
);
create index sessions_user on sessions (tenant_id, user_id);
create index sessions_expiry on sessions (expires_at);
alter table sessions enable row level security;
alter table sessions force row level security;
create policy tenant_isolation on sessions
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on sessions to ${admin_role} using (true) with check (true);

-- Rate limits (GCRA) ------------------------------------------------------------------------------------------
-- One row per bucket: tat is the theoretical arrival time; a bucket whose tat has passed is full, which is the
-- same as having no row, so the sweeper deletes those. allowed is the outcome of the last consume, which the
-- single-statement upsert needs to report (RETURNING cannot see the old row in PostgreSQL 15).
create unlogged table rate_limits (
    tenant_id uuid not null references tenants (id) on delete cascade,
    key       text collate "C" not null,
    tat       timestamptz not null,
    allowed   boolean not null,
    primary key (tenant_id, key)
) with (fillfactor = 70);
-- no index on tat: every consume rewrites it, and without an index the update stays HOT; the sweeper's bounded
-- scan for idle buckets is cheap on a table of one row per live bucket
alter table rate_limits enable row level security;
alter table rate_limits force row level security;
create policy tenant_isolation on rate_limits
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on rate_limits to ${admin_role} using (true) with check (true);

-- API requests per tenant per minute, written by the request limiter in the statement that checks the limit.
-- requests counts every authenticated /api call, rejected the ones refused with 429.
create table tenant_request_counts (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    window_start timestamptz not null,
    requests     bigint not null default 0,
    rejected     bigint not null default 0,
    primary key (tenant_id, window_start)
) with (fillfactor = 50);
alter table tenant_request_counts enable row level security;
alter table tenant_request_counts force row level security;
create policy tenant_isolation on tenant_request_counts
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on tenant_request_counts to ${admin_role} using (true) with check (true);

-- Feature flags -----------------------------------------------------------------------------------------------
create table feature_flags (
    tenant_id       uuid not null references tenants (id) on delete cascade,
    key             text not null check (key ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
    description     text not null default '' check (length(description) <= 1000),
    enabled         boolean not null default true,
    variants        jsonb not null check (jsonb_typeof(variants) = 'object'),
    default_variant text not null,
    off_variant     text not null,
    rules           jsonb not null default '[]' check (jsonb_typeof(rules) = 'array'),
    rollout         jsonb check (rollout is null or jsonb_typeof(rollout) = 'object'),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    primary key (tenant_id, key)
);
alter table feature_flags enable row level security;
alter table feature_flags force row level security;
create policy tenant_isolation on feature_flags
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on feature_flags to ${admin_role} using (true) with check (true);

-- The sweeper: one bounded batch of each kind per call, each its own short transaction. Rows are picked with
-- SKIP LOCKED so a sweep never waits on (or blocks) a request; the expiry is checked again on the locked row.
create function admin_sweep_expired(p_batch integer)
    returns table (cache_entries bigint, sessions bigint, rate_limits bigint)
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    n_cache bigint;
    n_sessions bigint;
    n_buckets bigint;
begin
    with doomed as (
        select c.tenant_id, c.key from cache_entries c
         where c.expires_at <= now()
         order by c.expires_at
         limit p_batch
           for update skip locked)
    delete from cache_entries c using doomed d
     where c.tenant_id = d.tenant_id and c.key = d.key and c.expires_at <= now();
    get diagnostics n_cache = row_count;

    with doomed as (
        select s.tenant_id, s.id from sessions s
         where s.expires_at <= now()
         order by s.expires_at
         limit p_batch
           for update skip locked)
    delete from sessions s using doomed d
     where s.tenant_id = d.tenant_id and s.id = d.id and s.expires_at <= now();
    get diagnostics n_sessions = row_count;

    with doomed as (
        select r.tenant_id, r.key from rate_limits r
         where r.tat <= now()
         order by r.tat
         limit p_batch
           for update skip locked)
    delete from rate_limits r using doomed d
     where r.tenant_id = d.tenant_id and r.key = d.key and r.tat <= now();
    get diagnostics n_buckets = row_count;

    return query select n_cache, n_sessions, n_buckets;
end
$$;
alter function admin_sweep_expired(integer) owner to ${admin_role};
revoke all on function admin_sweep_expired(integer) from public;
grant execute on function admin_sweep_expired(integer) to ${app_role};

-- Request counts are kept for 35 days.
create function admin_prune_request_counts(p_before timestamptz, p_batch integer)
    returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    n bigint;
begin
    with doomed as (
        select tenant_id, window_start from tenant_request_counts
         where window_start < p_before
         limit p_batch
           for update skip locked)
    delete from tenant_request_counts t using doomed d
     where t.tenant_id = d.tenant_id and t.window_start = d.window_start;
    get diagnostics n = row_count;
    return n;
end
$$;
alter function admin_prune_request_counts(timestamptz, integer) owner to ${admin_role};
revoke all on function admin_prune_request_counts(timestamptz, integer) from public;
grant execute on function admin_prune_request_counts(timestamptz, integer) to ${app_role};
