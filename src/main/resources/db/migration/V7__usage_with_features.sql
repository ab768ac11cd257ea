-- tenant_usage and dashboard_stats counted what existed when V6 was written; now that files, the cache, sessions
-- and request counting exist, they count those too. ${admin_role} owns the views and refreshes them; it sees every
-- tenant's rows through the admin_all policies of these tables. The functions of V6 read the views by name and
-- keep working across the drop and re-create.
-- bytes_stored counts what the storage quota counts: every file row (soft-deleted ones until purged) and kept versions.

drop materialized view tenant_usage;
create materialized view tenant_usage as
select t.id as tenant_id,
       coalesce(f.files, 0) as files,
       coalesce(f.bytes, 0) + coalesce(v.bytes, 0) as bytes_stored,
       coalesce(c.cache_entries, 0) as cache_entries,
       coalesce(s.live_sessions, 0) as live_sessions,
       coalesce(k.api_keys, 0) as api_keys,
       coalesce(r.requests_last_day, 0) as requests_last_day
  from tenants t
  left join (select tenant_id, count(*) filter (where deleted_at is null) as files, sum(size)::bigint as bytes
               from files group by tenant_id) f on f.tenant_id = t.id
  left join (select tenant_id, sum(size)::bigint as bytes from file_versions group by tenant_id) v on v.tenant_id = t.id
  left join (select tenant_id, count(*) as cache_entries
               from cache_entries where expires_at is null or expires_at > now() group by tenant_id) c on c.tenant_id = t.id
  left join (select tenant_id, count(*) as live_sessions
               from sessions where expires_at > now() group by tenant_id) s on s.tenant_id = t.id
  left join (select tenant_id, count(*) as api_keys
               from api_keys where revoked_at is null group by tenant_id) k on k.tenant_id = t.id
  left join (select tenant_id, sum(requests)::bigint as requests_last_day
               from tenant_request_counts where window_start >= now() - interval '1 day' group by tenant_id) r on r.tenant_id = t.id;
create unique index tenant_usage_tenant on tenant_usage (tenant_id);
revoke all on tenant_usage from ${app_role};
alter materialized view tenant_usage owner to ${admin_role};

drop materialized view dashboard_stats;
create materialized view dashboard_stats as
select 1 as id,
       count(*) filter (where status <> 'deleted') as tenants_total,
       count(*) filter (where status = 'active') as tenants_active,
       count(*) filter (where status = 'suspended') as tenants_suspended,
       count(*) filter (where status = 'deleted') as tenants_deleted,
       count(*) filter (where created_at >= now() - interval '7 days') as new_this_week,
       (select count(distinct k.tenant_id) from api_keys k where k.last_used_at >= now() - interval '1 day') as active_today,
       ((select coalesce(sum(f.size), 0) from files f) + (select coalesce(sum(v.size), 0) from file_versions v))::bigint
           as storage_bytes_total
  from tenants;
create unique index dashboard_stats_id on dashboard_stats (id);
revoke all on dashboard_stats from ${app_role};
alter materialized view dashboard_stats owner to ${admin_role};
