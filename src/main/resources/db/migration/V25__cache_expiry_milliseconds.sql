-- Expiries in whole milliseconds, as Redis keeps them (mstime() + ttl). A relative expiry is computed as
-- now() + n ms, and now() has microseconds: PEXPIRETIME then answered the expiry rounded down while the row kept
-- the microseconds, so `PEXPIREAT k <its own PEXPIRETIME> LT` found the "same" expiry later and moved it
-- (redis/redis tests/unit/expire.tcl compares expiries to the millisecond). The trigger only runs for a row whose
-- expiry has a fraction of a millisecond (the WHEN clause is evaluated without calling a function), so writes
-- without an expiry, the hot path, do not pay for it.
create function cache_expiry_to_ms() returns trigger
language plpgsql as $$
begin
    new.expires_at := date_trunc('milliseconds', new.expires_at);
    return new;
end
$$;

create trigger cache_entries_expiry_ms before insert or update of expires_at on cache_entries
    for each row when (new.expires_at is not null and new.expires_at <> date_trunc('milliseconds', new.expires_at))
    execute function cache_expiry_to_ms();
