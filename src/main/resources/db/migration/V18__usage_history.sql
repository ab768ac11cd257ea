-- Usage over time, per tenant (docs/stats.md#usage-over-time): requests per minute and per day, and storage.
-- Nothing is written on the request path: the sample-usage job copies the per-minute request counts the request
-- limit already keeps (tenant_request_counts) every minute, and the refresh-stats job records a tenant's storage
-- when it changed since the last record. Minute rows are kept 48 hours and day rows 400 days by default; the
-- prune-usage-history job deletes older ones.
--
-- bytes_stored is NULL in a row that recorded no storage change: the storage at any moment is the last non-NULL
-- value before it (a day row holds the last value recorded that day).

create table usage_history (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    resolution   text not null check (resolution in ('minute', 'day')),
    bucket_start timestamptz not null,
    requests     bigint not null default 0 check (requests >= 0),
    rejected     bigint not null default 0 check (rejected >= 0),
    bytes_stored bigint check (bytes_stored >= 0),
    primary key (tenant_id, resolution, bucket_start)
);
-- what the pruning job walks, oldest first
create index usage_history_age on usage_history (bucket_start);
alter table usage_history enable row level security;
alter table usage_history force row level security;
create policy tenant_isolation on usage_history
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy admin_all on usage_history to ${admin_role} using (true) with check (true);
-- the service only reads it (under RLS); the jobs write through the functions below
revoke insert, update, delete on usage_history from ${app_role};

-- Copies the request counts of the minutes since p_since into minute rows and adds what changed to the day rows.
-- Idempotent: a minute sampled again (its count grew since, as replicas flushed late) adds only the difference.
-- The job runner runs it once at a time across replicas. Returns how many minute rows changed.
create function admin_usage_history_sample(p_since timestamptz)
    returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    n bigint;
begin
    with src as (
        select c.tenant_id, c.window_start, c.requests, c.rejected,
               c.requests - coalesce(h.requests, 0) as more_requests,
               c.rejected - coalesce(h.rejected, 0) as more_rejected
          from tenant_request_counts c
          left join usage_history h
            on h.tenant_id = c.tenant_id and h.resolution = 'minute' and h.bucket_start = c.window_start
         where c.window_start >= p_since
           and (h.tenant_id is null or h.requests <> c.requests or h.rejected <> c.rejected)),
    minutes as (
        insert into usage_history as u (tenant_id, resolution, bucket_start, requests, rejected)
        select tenant_id, 'minute', window_start, requests, rejected from src
        on conflict (tenant_id, resolution, bucket_start)
        do update set requests = excluded.requests, rejected = excluded.rejected
        returning 1),
    days as (
        insert into usage_history as u (tenant_id, resolution, bucket_start, requests, rejected)
        select tenant_id, 'day', date_trunc('day', window_start, 'UTC'), sum(more_requests), sum(more_rejected)
          from src group by tenant_id, date_trunc('day', window_start, 'UTC')
        on conflict (tenant_id, resolution, bucket_start)
        do update set requests = u.requests + excluded.requests, rejected = u.rejected + excluded.rejected
        returning 1)
    select count(*) into n from minutes;
    return n;
end
$$;
alter function admin_usage_history_sample(timestamptz) owner to ${admin_role};
revoke all on function admin_usage_history_sample(timestamptz) from public;
grant execute on function admin_usage_history_sample(timestamptz) to ${app_role};

-- Records each tenant's storage from tenant_usage (just refreshed) where it changed since its last record: in the
-- minute row of now and in today's day row. Returns how many tenants changed.
create function admin_usage_history_storage()
    returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    n bigint;
begin
    with changed as (
        select u.tenant_id, u.bytes_stored
          from tenant_usage u
          join tenants t on t.id = u.tenant_id
         where u.bytes_stored is not null
           and u.bytes_stored is distinct from (
               select h.bytes_stored from usage_history h
                where h.tenant_id = u.tenant_id and h.resolution = 'day' and h.bytes_stored is not null
                order by h.bucket_start desc
                limit 1)),
    minutes as (
        insert into usage_history (tenant_id, resolution, bucket_start, bytes_stored)
        select tenant_id, 'minute', date_trunc('minute', now()), bytes_stored from changed
        on conflict (tenant_id, resolution, bucket_start) do update set bytes_stored = excluded.bytes_stored
        returning 1),
    days as (
        insert into usage_history (tenant_id, resolution, bucket_start, bytes_stored)
        select tenant_id, 'day', date_trunc('day', now(), 'UTC'), bytes_stored from changed
        on conflict (tenant_id, resolution, bucket_start) do update set bytes_stored = excluded.bytes_stored
        returning 1)
    select count(*) into n from days;
    return n;
end
$$;
alter function admin_usage_history_storage() owner to ${admin_role};
revoke all on function admin_usage_history_storage() from public;
grant execute on function admin_usage_history_storage() to ${app_role};

-- Deletes a bounded batch of minute rows older than p_minutes_before and of day rows older than p_days_before.
create function admin_usage_history_prune(p_minutes_before timestamptz, p_days_before timestamptz, p_batch integer)
    returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    n bigint;
begin
    with doomed as (
        select tenant_id, resolution, bucket_start from usage_history
         where bucket_start < greatest(p_minutes_before, p_days_before)
           and ((resolution = 'minute' and bucket_start < p_minutes_before)
             or (resolution = 'day' and bucket_start < p_days_before))
         order by bucket_start
         limit p_batch
           for update skip locked)
    delete from usage_history h using doomed d
     where h.tenant_id = d.tenant_id and h.resolution = d.resolution and h.bucket_start = d.bucket_start;
    get diagnostics n = row_count;
    return n;
end
$$;
alter function admin_usage_history_prune(timestamptz, timestamptz, integer) owner to ${admin_role};
revoke all on function admin_usage_history_prune(timestamptz, timestamptz, integer) from public;
grant execute on function admin_usage_history_prune(timestamptz, timestamptz, integer) to ${app_role};

-- A tenant's own console view (docs/console.md#a-tenants-own-view): a session opened with a manage-scoped API key
-- belongs to that tenant and key. The row is found by its token's hash before any tenant is known, so the table
-- stays outside RLS (the column is deliberately not tenant_id: it holds no tenant data, only who signed in); every
-- page then reads the tenant's data through the tenant's own stores under RLS. The session ends with its tenant.
alter table console_sessions
    add column signed_in_tenant uuid references tenants (id) on delete cascade,
    add column key_id uuid,
    add constraint console_sessions_tenant_key check ((signed_in_tenant is null) = (key_id is null));
