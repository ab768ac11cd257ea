-- Usage statistics as materialized views, refreshed CONCURRENTLY by the refresh-stats job.
-- Materialized views cannot carry Row-Level Security, so the request role (${app_role}) cannot select them at all:
-- a tenant reads its own row through tenant_usage_current(), which filters on app.tenant_id (called inside the
-- tenant transaction), and the admin API reads everything through admin_* functions. The views are owned by
-- ${admin_role}, the only role that may REFRESH them (stats_refresh()); ${admin_role} sees every tenant through
-- the admin_all policies.
--
-- Columns whose source tables arrive with later features are NULL here ("not tracked yet"), never a fake 0:
-- files, bytes_stored (file storage), cache_entries, live_sessions (cache and sessions), requests_last_day
-- (request counting). A later migration redefines tenant_usage with the same columns.

-- When each view was last refreshed (the moment its data was read), shown with every answer built from it.
create table stats_refreshes (
    view_name    text primary key,
    refreshed_at timestamptz not null,
    duration_ms  bigint not null default 0 check (duration_ms >= 0)
);
revoke insert, update, delete on stats_refreshes from ${app_role};

create materialized view tenant_usage as
select t.id as tenant_id,
       null::bigint as files,
       null::bigint as bytes_stored,
       null::bigint as cache_entries,
       null::bigint as live_sessions,
       (select count(*) from api_keys k where k.tenant_id = t.id and k.revoked_at is null) as api_keys,
       null::bigint as requests_last_day
  from tenants t;
-- REFRESH ... CONCURRENTLY needs a unique index without WHERE over columns that are never NULL.
create unique index tenant_usage_tenant on tenant_usage (tenant_id);
revoke all on tenant_usage from ${app_role};
alter materialized view tenant_usage owner to ${admin_role};

create materialized view dashboard_stats as
select 1 as id,
       count(*) filter (where status <> 'deleted') as tenants_total,
       count(*) filter (where status = 'active') as tenants_active,
       count(*) filter (where status = 'suspended') as tenants_suspended,
       count(*) filter (where status = 'deleted') as tenants_deleted,
       count(*) filter (where created_at >= now() - interval '7 days') as new_this_week,
       (select count(distinct k.tenant_id) from api_keys k where k.last_used_at >= now() - interval '1 day') as active_today,
       null::bigint as storage_bytes_total
  from tenants;
create unique index dashboard_stats_id on dashboard_stats (id);
revoke all on dashboard_stats from ${app_role};
alter materialized view dashboard_stats owner to ${admin_role};

insert into stats_refreshes (view_name, refreshed_at) values ('tenant_usage', now()), ('dashboard_stats', now());

-- Refreshes both views without blocking their readers; returns how many tenants tenant_usage now holds.
create function stats_refresh()
    returns bigint
    language plpgsql volatile security definer set search_path = public, pg_temp
as $$
declare
    began timestamptz;
    tenants_counted bigint;
begin
    began := clock_timestamp();
    refresh materialized view concurrently tenant_usage;
    insert into stats_refreshes (view_name, refreshed_at, duration_ms)
         values ('tenant_usage', began, (extract(epoch from clock_timestamp() - began) * 1000)::bigint)
    on conflict (view_name) do update set refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms;

    began := clock_timestamp();
    refresh materialized view concurrently dashboard_stats;
    insert into stats_refreshes (view_name, refreshed_at, duration_ms)
         values ('dashboard_stats', began, (extract(epoch from clock_timestamp() - began) * 1000)::bigint)
    on conflict (view_name) do update set refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms;

    select count(*) into tenants_counted from tenant_usage;
    return tenants_counted;
end
$$;
alter function stats_refresh() owner to ${admin_role};
revoke all on function stats_refresh() from public;
grant execute on function stats_refresh() to ${app_role};

-- The current tenant's row (none when app.tenant_id is not set): call it inside the tenant transaction.
create function tenant_usage_current()
    returns table (tenant_id uuid, files bigint, bytes_stored bigint, cache_entries bigint, live_sessions bigint,
                   api_keys bigint, requests_last_day bigint, refreshed_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
as $$
    select u.tenant_id, u.files, u.bytes_stored, u.cache_entries, u.live_sessions, u.api_keys, u.requests_last_day,
           (select r.refreshed_at from stats_refreshes r where r.view_name = 'tenant_usage')
      from tenant_usage u
     where u.tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid)
$$;
alter function tenant_usage_current() owner to ${admin_role};
revoke all on function tenant_usage_current() from public;
grant execute on function tenant_usage_current() to ${app_role};

-- Every tenant's usage for the admin API, by slug, a page at a time.
create function admin_tenant_usage(p_after text, p_limit integer)
    returns table (tenant_id uuid, slug text, status text, plan text, files bigint, bytes_stored bigint,
                   cache_entries bigint, live_sessions bigint, api_keys bigint, requests_last_day bigint)
    language sql stable security definer set search_path = public, pg_temp
as $$
    select u.tenant_id, t.slug, t.status, t.plan, u.files, u.bytes_stored, u.cache_entries, u.live_sessions,
           u.api_keys, u.requests_last_day
      from tenant_usage u join tenants t on t.id = u.tenant_id
     where (p_after is null or t.slug > p_after)
     order by t.slug
     limit least(greatest(p_limit, 1), 500)
$$;
alter function admin_tenant_usage(text, integer) owner to ${admin_role};
revoke all on function admin_tenant_usage(text, integer) from public;
grant execute on function admin_tenant_usage(text, integer) to ${app_role};

create function admin_dashboard_stats()
    returns table (tenants_total bigint, tenants_active bigint, tenants_suspended bigint, tenants_deleted bigint,
                   new_this_week bigint, active_today bigint, storage_bytes_total bigint)
    language sql stable security definer set search_path = public, pg_temp
as $$
    select tenants_total, tenants_active, tenants_suspended, tenants_deleted, new_this_week, active_today,
           storage_bytes_total
      from dashboard_stats
$$;
alter function admin_dashboard_stats() owner to ${admin_role};
revoke all on function admin_dashboard_stats() from public;
grant execute on function admin_dashboard_stats() to ${app_role};
