-- Placement moves (docs/tenants.md#a-move): the final step is tried again when the tenant's lock is not granted in
-- time, and a move and a purge of the same tenant never run at once.

-- How many times the move's final step asked for the tenant's lock (1 when it got it at once; null before the step).
alter table tenant_placement_moves add column attempts integer;

-- The lock a move holds from its start to its end, on its own connection (a session lock: a replica that dies frees it
-- with its connection), and a purge takes for its transaction. Each only tries it: a purge while a move runs is
-- refused (the purge job tries again at its next run), a move while a purge runs too, on every replica. Not the tenant's
-- lock (tenant_lock_key): every tenant transaction takes that one, so a move cannot hold it for its whole copy.
create function tenant_move_lock_key(p_tenant uuid) returns bigint
    language sql immutable strict
as $$
    select ('x' || substr(md5('onebase-tenant-move:' || p_tenant::text), 1, 16))::bit(64)::bigint
$$;

-- Set by a move that holds its move lock (every move from V31 on): while its record says running and the lock is free,
-- the move is dead (its replica stopped), whichever replica started it; any replica's start ends it. A record without
-- it (a move of a replica from before V31, during a rolling upgrade) is ended only by the replica that started it.
alter table tenant_placement_moves add column move_lock boolean not null default false;
