-- What the Redis protocol (resp/) needs of the cache beyond what HTTP used: SCAN with a numeric cursor, INCRBYFLOAT,
-- and a way for a statement to ask to be run again.

-- SCAN walks a tenant's keys in the order of their 64-bit hash: the cursor is the hash to go on from, a plain number
-- as Redis clients expect, and it stays valid whatever is written or deleted between two pages.
create index cache_entries_hash on cache_entries (tenant_id, hashtextextended(key, 0));

-- The number a value holds, for INCRBYFLOAT: a decimal as Redis reads it (no spaces, no inf/nan), exact arithmetic.
create function cache_float(v bytea) returns numeric
    language plpgsql immutable strict
as $$
declare
    s text;
begin
    if length(v) > 5000 then
        raise exception 'value is not a valid float' using errcode = '22P02';
    end if;
    s := encode(v, 'escape');
    if s !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$' then
        raise exception 'value is not a valid float' using errcode = '22P02';
    end if;
    return s::numeric;
end
$$;

-- How INCRBYFLOAT writes its result: no trailing zeros, no exponent.
create function cache_float_text(n numeric) returns text
    language sql immutable strict
as $$
    select trim_scale(n)::text
$$;

-- Raised by a statement that found a concurrent change it cannot settle itself (the caller runs it once more).
create function cache_retry() returns integer
    language plpgsql
as $$
begin
    raise exception 'a concurrent change; run the statement again' using errcode = '40001';
end
$$;
