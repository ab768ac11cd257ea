-- INCR/DECR/INCRBY/DECRBY of one tenant that arrive together in one statement (the RESP server gathers them as it
-- gathers GETs and SETs, CacheBatcher): until now each was a whole tenant transaction of its own (BEGIN, the tenant
-- scope, the statement, COMMIT on a pooled connection), four commands where a GET costs one.
--
-- Row n answers the n-th key, in order; the increments run one after the other, so the same key twice in one batch
-- counts twice. A value that is not an integer, a sum that would overflow and a hash are answered per row
-- (failure: the SQLSTATE the single INCR raises: 22P02, 22003, OBWRT) and change nothing, so one bad key fails
-- alone. They are checked, not caught: an exception block per row would open a subtransaction per row. The row is
-- locked first, so the check and the write see the same value. Anything else (the plan's entry limit, a concurrent
-- insert that turned out not to be an integer) fails the whole statement, which writes nothing; the caller then runs
-- the batch one INCR at a time. Callers send keys in one order (CacheBatcher sorts them), so batches on overlapping
-- keys wait for each other instead of deadlocking.
create function cache_incr_many(p_tenant uuid, p_keys text[], p_by bigint[])
    returns table (new_value bigint, failure text)
    language plpgsql security invoker
as $$
declare
    cur record;
    s text;
begin
    perform public.tenant_scope(p_tenant);
    for n in 1 .. coalesce(array_length(p_keys, 1), 0) loop
        new_value := null;
        failure := null;
        select c.value as v, c.hash is not null as is_hash into cur from cache_entries c
         where c.key = p_keys[n] and (c.expires_at is null or c.expires_at > now()) for update;
        if found then
            s := case when length(cur.v) <= 20 then encode(cur.v, 'escape') end;
            if cur.is_hash then
                failure := 'OBWRT';
            elsif s is null or s !~ '^(0|-?[1-9][0-9]*)$' or s::numeric not between -9223372036854775808 and 9223372036854775807 then
                failure := '22P02';
            elsif s::numeric + p_by[n] not between -9223372036854775808 and 9223372036854775807 then
                failure := '22003';
            end if;
        end if;
        if failure is null then
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
            values (p_tenant, p_keys[n], convert_to(p_by[n]::text, 'UTF8'), null, 'text/plain')
            on conflict (tenant_id, key) do update
               set value = convert_to((case when c.expires_at <= now() then 0 when c.hash is not null then cache_wrongtype(0::int8)
                                            else cache_int8(c.value) end + p_by[n])::text, 'UTF8'),
                   hash = null,
                   expires_at = case when c.expires_at <= now() then null else c.expires_at end,
                   content_type = case when c.expires_at <= now() then 'text/plain' else c.content_type end
            returning convert_from(c.value, 'UTF8')::int8 into new_value;
        end if;
        return next;
    end loop;
end
$$;
revoke all on function cache_incr_many(uuid, text[], bigint[]) from public;
grant execute on function cache_incr_many(uuid, text[], bigint[]) to ${app_role};
