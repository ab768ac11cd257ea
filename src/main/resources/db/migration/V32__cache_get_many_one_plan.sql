-- The batched GET (docs/cache.md#keyvalue-cache), planned once per connection instead of once per call.
--
-- V21's body joined unnest(p_keys) to cache_entries. PL/pgSQL plans such a query for each call's own keys ("custom"
-- plans) until a plan for any keys ("generic") looks as cheap; the generic estimate of an unnest of unknown length
-- (10 rows) never does, so every GET batch paid for planning, and the generic plan, when forced, hashed the whole of
-- the tenant's keys instead of probing the index. One probe per key (LATERAL ... LIMIT 1: the primary key holds at
-- most one row of a key) is the same plan for any keys, so it is built once and kept. Measured with pgbench on one
-- tenant of 1,000 keys: 1 key per call 13k -> 25k calls/s, 4 keys per call 6k -> 23k (bench/README.md#cache).
create or replace function cache_get_many(p_tenant uuid, p_keys text[])
    returns table (i bigint, value bytea, content_type text, is_hash boolean)
    language plpgsql stable security invoker
    set plan_cache_mode = force_generic_plan
as $$
begin
    perform public.tenant_scope_read(p_tenant);
    return query
        select k.i, c.value, c.content_type, c.hash is not null
          from unnest(p_keys) with ordinality k(key, i)
          cross join lateral (
              select e.value, e.content_type, e.hash from cache_entries e
               where e.key = k.key collate "C" and (e.expires_at is null or e.expires_at > now())
               limit 1) c;
end
$$;
