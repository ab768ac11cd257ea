-- The web console's operator sessions (docs/console.md). Operator data, not tenant data: no tenant_id, no RLS.
-- Only the SHA-256 of the cookie's token is stored, so a read of this table cannot be replayed as a sign-in.

create table console_sessions (
    token_hash  bytea primary key check (length(token_hash) = 32),
    csrf        text not null check (length(csrf) between 32 and 100),
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null
);
create index console_sessions_expires on console_sessions (expires_at);
