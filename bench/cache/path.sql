-- What one onebase cache GET asks of PostgreSQL, without the service: one command, cache_get (it scopes its own
-- statement to the tenant). Authentication and the request limit are answered from memory and from leases on
-- most requests, so they are not part of the steady-state path.
-- Run as the request role with -D tenant=<uuid>.
\set k random(1, 1000)
select value, content_type from cache_get(:tenant::uuid, 'bench:' || :k);
