-- The cross-tenant maintenance jobs cover the dedicated tenant schemas too (docs/tenants.md#placement): the cache
-- sweeper's expired entries, sessions and idle buckets, the file trash purge, the abandoned multipart uploads and the
-- usage statistics read every tenant_<id> schema of a tenant in placement 'schema' as well as the shared tables. A
-- schema is named from the tenants table only (never by a caller), and a table the schema lacks (a schema left
-- behind by a failed sync; its tenant is refused anyway) is skipped, not an error that would stop the job for all.

-- One batch of one table of one tenant's dedicated schema: the same statement as admin_sweep_table(text, integer)
-- (SKIP LOCKED, bounded by the caller's statement timeout), 0 when the tenant is not (or no longer) in a schema.
create function admin_sweep_table(p_table text, p_batch integer, p_tenant uuid)
    returns bigint
    language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    sch text;
    key_column text;
    time_column text;
    n bigint;
begin
    case p_table
        when 'cache_entries' then key_column := 'key'; time_column := 'expires_at';
        when 'sessions' then key_column := 'id'; time_column := 'expires_at';
        when 'rate_limits' then key_column := 'key'; time_column := 'tat';
        else raise exception 'admin_sweep_table: unknown table %', p_table using errcode = '22023';
    end case;
    select t.placement_schema into sch from tenants t where t.id = p_tenant and t.placement = 'schema';
    if sch is null or to_regclass(quote_ident(sch) || '.' || quote_ident(p_table)) is null then
        return 0;
    end if;
    execute format('with doomed as (
                        select t.tenant_id, t.%3$I as k from %1$I.%2$I t
                         where t.tenant_id = $2 and t.%4$I <= now()
                         order by t.%4$I
                         limit $1
                           for update skip locked)
                    delete from %1$I.%2$I t using doomed d
                     where t.tenant_id = d.tenant_id and t.%3$I = d.k and t.%4$I <= now()',
                   sch, p_table, key_column, time_column)
        using p_batch, p_tenant;
    get diagnostics n = row_count;
    return n;
end
$$;
alter function admin_sweep_table(text, integer, uuid) owner to ${admin_role};
revoke all on function admin_sweep_table(text, integer, uuid) from public;
grant execute on function admin_sweep_table(text, integer, uuid) to ${app_role};

-- The dedicated schemas that hold a given tenant table (the tenant in placement 'schema', the table present).
create function admin_schemas_with(p_table text)
    returns setof text
    language sql stable security definer set search_path = public, pg_temp
as $$
    select t.placement_schema from tenants t
     where t.placement = 'schema' and t.placement_schema is not null
       and to_regclass(quote_ident(t.placement_schema) || '.' || quote_ident(p_table)) is not null
     order by t.id
$$;
alter function admin_schemas_with(text) owner to ${admin_role};
revoke all on function admin_schemas_with(text) from public;
grant execute on function admin_schemas_with(text) to ${app_role};

-- Soft-deleted files past retention in the shared table and in every dedicated schema, oldest first. The purge job
-- then removes each one in its tenant's transaction (TenantTx: the schema first on search_path), unlinking its large
-- objects through the same fence (file_lo_unlink) as for a shared tenant.
create or replace function admin_files_due_for_purge(p_retention interval, p_limit integer)
    returns table (tenant_id uuid, id uuid)
    language plpgsql stable security definer set search_path = public, pg_temp
as $$
declare
    branch constant text := '(select f.tenant_id, f.id, f.deleted_at from %I.files f
                               where f.deleted_at is not null and f.deleted_at < now() - $1
                               order by f.deleted_at limit $2)';
    q text := format(branch, 'public');
    s text;
begin
    for s in select admin_schemas_with('files') loop
        q := q || ' union all ' || format(branch, s);
    end loop;
    return query execute 'select x.tenant_id, x.id from (' || q || ') x order by x.deleted_at limit $2'
        using p_retention, least(greatest(p_limit, 1), 10000);
end
$$;

-- Multipart uploads started before the cut-off, in the shared table and in every dedicated schema.
create or replace function admin_s3_stale_uploads(p_age interval, p_limit integer)
    returns table (tenant_id uuid, id uuid)
    language plpgsql stable security definer set search_path = public, pg_temp
as $$
declare
    branch constant text := '(select u.tenant_id, u.id, u.created_at from %I.s3_uploads u
                               where u.created_at < now() - $1 order by u.created_at limit $2)';
    q text := format(branch, 'public');
    s text;
begin
    for s in select admin_schemas_with('s3_uploads') loop
        q := q || ' union all ' || format(branch, s);
    end loop;
    return query execute 'select x.tenant_id, x.id from (' || q || ') x order by x.created_at limit $2'
        using p_age, least(greatest(p_limit, 1), 10000);
end
$$;

-- What tenant_usage counts from the moving tables, for the tenants in a dedicated schema (their rows are not in the
-- shared tables any more).
create function admin_usage_in_schemas()
    returns table (tenant_id uuid, files bigint, bytes bigint, cache_entries bigint, live_sessions bigint)
    language plpgsql stable security definer set search_path = public, pg_temp
as $$
declare
    t record;
begin
    for t in select tn.id, tn.placement_schema as s from tenants tn
              where tn.placement = 'schema' and tn.placement_schema is not null
                and to_regclass(quote_ident(tn.placement_schema) || '.files') is not null
                and to_regclass(quote_ident(tn.placement_schema) || '.file_versions') is not null
                and to_regclass(quote_ident(tn.placement_schema) || '.cache_entries') is not null
                and to_regclass(quote_ident(tn.placement_schema) || '.sessions') is not null
              order by tn.id loop
        return query execute format(
            'select $1,
                    (select count(*) from %1$I.files where deleted_at is null),
                    ((select coalesce(sum(size), 0) from %1$I.files) + (select coalesce(sum(size), 0) from %1$I.file_versions))::bigint,
                    (select count(*) from %1$I.cache_entries where expires_at is null or expires_at > now()),
                    (select count(*) from %1$I.sessions where expires_at > now())', t.s)
            using t.id;
    end loop;
end
$$;
alter function admin_usage_in_schemas() owner to ${admin_role};
revoke all on function admin_usage_in_schemas() from public;

-- tenant_usage and dashboard_stats as in V7, plus the dedicated schemas' rows.
drop materialized view tenant_usage;
create materialized view tenant_usage as
select t.id as tenant_id,
       coalesce(f.files, 0) + coalesce(x.files, 0) as files,
       coalesce(f.bytes, 0) + coalesce(v.bytes, 0) + coalesce(x.bytes, 0) as bytes_stored,
       coalesce(c.cache_entries, 0) + coalesce(x.cache_entries, 0) as cache_entries,
       coalesce(s.live_sessions, 0) + coalesce(x.live_sessions, 0) as live_sessions,
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
               from tenant_request_counts where window_start >= now() - interval '1 day' group by tenant_id) r on r.tenant_id = t.id
  left join admin_usage_in_schemas() x on x.tenant_id = t.id;
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
       ((select coalesce(sum(f.size), 0) from files f) + (select coalesce(sum(v.size), 0) from file_versions v)
         + (select coalesce(sum(x.bytes), 0) from admin_usage_in_schemas() x))::bigint
           as storage_bytes_total
  from tenants;
create unique index dashboard_stats_id on dashboard_stats (id);
revoke all on dashboard_stats from ${app_role};
alter materialized view dashboard_stats owner to ${admin_role};
