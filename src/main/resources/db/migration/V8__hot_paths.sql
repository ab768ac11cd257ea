-- What every API request touches, made cheap: one round trip for a cache GET, API keys remembered per replica
-- (forgotten the moment the database says they changed), and the request limit leased in batches.

-- Replicas remember the keys they have seen authenticate; any change that could make a key stop working, or change
-- what it may do, tells them at once (NOTIFY is delivered at commit, so a rolled-back change tells nobody).
-- The trigger's argument names the row's tenant column.
create function notify_tenant_access_changed() returns trigger
    language plpgsql
as $$
begin
    perform pg_notify('onebase_tenant_access',
        to_jsonb(case when TG_OP = 'DELETE' then old else new end) ->> TG_ARGV[0]);
    return null;
end
$$;

create trigger tenant_access_changed after update of status, plan or delete on tenants
    for each row execute function notify_tenant_access_changed('id');
create trigger key_access_changed after update of revoked_at, scopes, hash or delete on api_keys
    for each row execute function notify_tenant_access_changed('tenant_id');

-- The request limit hands a replica up to `want` requests at once (a lease) instead of one: how many fit in the
-- bucket now. Times in microseconds; a bucket whose tat is in the past is full.
create function gcra_grantable(tat timestamptz, at timestamptz, period_us float8, emission_us float8, want integer)
    returns integer
    language sql immutable
as $$
    select greatest(0, least(want, floor((period_us - extract(epoch from greatest(tat, at) - at) * 1000000) / emission_us)))::integer
$$;

-- How many requests the last consume of a bucket granted (RETURNING cannot see the old row).
alter table rate_limits add column granted integer not null default 0;

-- A cache GET as one statement: the function's first act scopes its own (implicit, single-statement) transaction to
-- the tenant, so Row-Level Security fences the read exactly as in a TenantTx transaction. SECURITY INVOKER: it runs
-- as the request role, never above it.
create function cache_get(p_tenant uuid, p_key text) returns table (value bytea, content_type text)
    language plpgsql security invoker
as $$
begin
    perform set_config('app.tenant_id', p_tenant::text, true);
    return query
        select c.value, c.content_type from cache_entries c
         where c.key = p_key and (c.expires_at is null or c.expires_at > now());
end
$$;
revoke all on function cache_get(uuid, text) from public;
grant execute on function cache_get(uuid, text) to ${app_role};

-- The plain SET (no NX/XX/GET/KEEPTTL) the same way: one statement, scoped by the function itself. The entry-count
-- trigger of cache_entries still runs inside it, so the plan's limit holds exactly as for any other insert.
create function cache_set(p_tenant uuid, p_key text, p_value bytea, p_ttl_ms bigint, p_at_ms bigint, p_content_type text)
    returns void
    language plpgsql security invoker
as $$
begin
    perform set_config('app.tenant_id', p_tenant::text, true);
    insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
    values (p_tenant, p_key, p_value,
            case when p_ttl_ms is not null then now() + p_ttl_ms * interval '1 millisecond'
                 when p_at_ms is not null then to_timestamp(p_at_ms / 1000.0) end,
            p_content_type)
    on conflict (tenant_id, key) do update
       set value = excluded.value, expires_at = excluded.expires_at, content_type = excluded.content_type;
end
$$;
revoke all on function cache_set(uuid, text, bytea, bigint, bigint, text) from public;
grant execute on function cache_set(uuid, text, bytea, bigint, bigint, text) to ${app_role};
