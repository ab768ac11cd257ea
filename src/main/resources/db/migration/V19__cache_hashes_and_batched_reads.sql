-- What the Redis protocol needs next: hashes (a second kind of value, with WRONGTYPE between the kinds) and reads
-- that arrive together answered by one statement.

-- A hash is one cache entry whose `hash` holds its fields: a jsonb object of field name -> base64 of the field's
-- value (its `value` is empty). One row per hash, not one per field, because a hash is one key everywhere else:
-- it counts as one entry against the plan, has one expiry, and DEL, EXPIRE, TTL, RENAME, COPY, SCAN, FLUSH and the
-- sweeper already handle it as a row, atomically. A write rewrites the whole object, which suits the hashes clients
-- keep in a cache (Spring Session's attributes, objects of a few dozen fields); the plan's largest value bounds a
-- hash's total size. NULL means the entry is a string.
alter table cache_entries add column hash jsonb check (hash is null or jsonb_typeof(hash) = 'object');

-- Raised where a command meets the other kind of value; the caller answers Redis's WRONGTYPE (HTTP: 409). It takes
-- and returns any value so it can stand in an expression of the type the expression needs.
create function cache_wrongtype(v anyelement) returns anyelement
    language plpgsql volatile
as $$
begin
    raise exception 'WRONGTYPE Operation against a key holding the wrong kind of value' using errcode = 'OBWRT';
end
$$;

-- GET refuses a hash (V8's function, otherwise the same: one statement scoped by the function itself).
create or replace function cache_get(p_tenant uuid, p_key text) returns table (value bytea, content_type text)
    language plpgsql security invoker
as $$
begin
    perform set_config('app.tenant_id', p_tenant::text, true);
    return query
        select case when c.hash is null then c.value else cache_wrongtype(c.value) end, c.content_type from cache_entries c
         where c.key = p_key and (c.expires_at is null or c.expires_at > now());
end
$$;

-- The plain SET replaces a value of either kind, as in Redis.
create or replace function cache_set(p_tenant uuid, p_key text, p_value bytea, p_ttl_ms bigint, p_at_ms bigint, p_content_type text)
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
       set value = excluded.value, expires_at = excluded.expires_at, content_type = excluded.content_type, hash = null;
end
$$;

-- Many GETs of one tenant in one statement (the RESP server gathers the GETs that arrive together): row i answers
-- the i-th key; a hash is reported, not refused, so that one GET of a hash fails alone.
create function cache_get_many(p_tenant uuid, p_keys text[])
    returns table (i bigint, value bytea, content_type text, is_hash boolean)
    language plpgsql security invoker
as $$
begin
    perform set_config('app.tenant_id', p_tenant::text, true);
    return query
        select k.i, c.value, c.content_type, c.hash is not null
          from unnest(p_keys) with ordinality k(key, i)
          join cache_entries c on c.key = k.key collate "C" and (c.expires_at is null or c.expires_at > now());
end
$$;
revoke all on function cache_get_many(uuid, text[]) from public;
grant execute on function cache_get_many(uuid, text[]) to ${app_role};

-- Many plain SETs of one tenant in one statement (keys distinct, the caller keeps the last write of a key).
create function cache_set_many(p_tenant uuid, p_keys text[], p_values bytea[], p_ttl_ms bigint[])
    returns void
    language plpgsql security invoker
as $$
begin
    perform set_config('app.tenant_id', p_tenant::text, true);
    insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
    select p_tenant, x.k, x.v, case when x.t is null then null else now() + x.t * interval '1 millisecond' end, null
      from unnest(p_keys, p_values, p_ttl_ms) as x(k, v, t)
    on conflict (tenant_id, key) do update
       set value = excluded.value, expires_at = excluded.expires_at, content_type = null, hash = null;
end
$$;
revoke all on function cache_set_many(uuid, text[], bytea[], bigint[]) from public;
grant execute on function cache_set_many(uuid, text[], bytea[], bigint[]) to ${app_role};
