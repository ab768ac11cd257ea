-- What one onebase cache GET asks of PostgreSQL, without the service: three one-round-trip transactions
-- (authentication, the per-tenant request limit with its request count, the GET), each pipelined as TenantTx
-- sends it (pgbench substitutes :names even inside quotes, hence chr(58) for the ':' of the bucket key).
-- Run as the request role with -D tenant=<uuid> -D hash=<\x sha-256 of the API key>.
\set k random(1, 1000)
\startpipeline
BEGIN;
select set_config('app.tenant_id', :tenant, true);
with k as (
    select k.id, k.scopes, t.status, t.plan
      from api_keys k join tenants t on t.id = k.tenant_id
     where k.hash = :hash::bytea and k.revoked_at is null and t.status <> 'deleted'),
touched as (
    update api_keys set last_used_at = now()
     where tenant_id = :tenant::uuid and id = (select id from k)
       and (last_used_at is null or last_used_at < now() - interval '1 minute'))
select id, scopes, status, plan from k;
COMMIT;
\endpipeline
\startpipeline
BEGIN;
select set_config('app.tenant_id', :tenant, true);
with rl as (
    insert into rate_limits as r (tenant_id, key, tat, allowed)
    values (:tenant::uuid, 's' || chr(58) || 'requests', now() + 1::int8 * interval '1 microsecond', true)
    on conflict (tenant_id, key) do update
       set allowed = greatest(r.tat, now()) + 1::int8 * interval '1 microsecond' <= now() + 60000000::int8 * interval '1 microsecond',
           tat = case when greatest(r.tat, now()) + 1::int8 * interval '1 microsecond' <= now() + 60000000::int8 * interval '1 microsecond'
                      then greatest(r.tat, now()) + 1::int8 * interval '1 microsecond' else r.tat end
    returning allowed, (extract(epoch from greatest(tat, now()) - now()) * 1000000)::int8 as ahead_us),
counted as (
    insert into tenant_request_counts as c (tenant_id, window_start, requests, rejected)
    select :tenant::uuid, date_trunc('minute', now()), 1, case when rl.allowed then 0 else 1 end from rl
    on conflict (tenant_id, window_start) do update
       set requests = c.requests + 1, rejected = c.rejected + excluded.rejected)
select allowed, ahead_us, set_config('synchronous_commit', 'off', true) from rl;
COMMIT;
\endpipeline
\startpipeline
BEGIN;
select set_config('app.tenant_id', :tenant, true);
select value, content_type from cache_entries where key = 'bench:' || :k::text and (expires_at is null or expires_at > now());
COMMIT;
\endpipeline
