package dev.onebase.cache;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.tenant.TenantTx;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Rate limiting with GCRA (the generic cell rate algorithm, as in redis-cell): a bucket is one timestamp, the
 * theoretical arrival time (TAT). A request of cost c advances it by c * period / limit; it is allowed when the new
 * TAT is at most one period ahead of now. One column of state, exact (no refill arithmetic or drift), and the
 * whole consume is a single upsert whose row lock orders concurrent consumers of the same key. A bucket whose TAT
 * has passed is full, the same as no row: idle buckets need no timer, and the sweeper deletes them.
 */
@ApplicationScoped
public class RateLimiter {

    /** What a consume decided; times are in milliseconds. */
    public record Decision(boolean allowed, long limit, long remaining, long resetMs, long retryAfterMs) {
    }

    static final String USER_PREFIX = "u:";
    static final String REQUESTS_KEY = "s:requests";

    /** $2 key, $3 period in microseconds, $4 increment (cost * period / limit) in microseconds; cost <= limit. */
    private static final String CONSUME_RETURNING = """
            insert into rate_limits as r (tenant_id, key, tat, allowed)
            values ($1, $2, now() + $4::int8 * interval '1 microsecond', true)
            on conflict (tenant_id, key) do update
               set allowed = greatest(r.tat, now()) + $4::int8 * interval '1 microsecond' <= now() + $3::int8 * interval '1 microsecond',
                   tat = case when greatest(r.tat, now()) + $4::int8 * interval '1 microsecond' <= now() + $3::int8 * interval '1 microsecond'
                              then greatest(r.tat, now()) + $4::int8 * interval '1 microsecond' else r.tat end
            returning allowed, (extract(epoch from greatest(tat, now()) - now()) * 1000000)::int8 as ahead_us
            """;

    private static final String CONSUME = CONSUME_RETURNING;

    /**
     * The service's own per-tenant request limit, and the per-minute request count in the same statement (the stats
     * read tenant_request_counts). The count is usage data, not a promise to a client, so this transaction commits
     * without waiting for the WAL flush (synchronous_commit off, for this transaction only).
     */
    private static final String REQUEST = """
            with rl as (
            """ + CONSUME_RETURNING + """
            ),
            counted as (
                insert into tenant_request_counts as c (tenant_id, window_start, requests, rejected)
                select $1, date_trunc('minute', now()), 1, case when rl.allowed then 0 else 1 end from rl
                on conflict (tenant_id, window_start) do update
                   set requests = c.requests + 1, rejected = c.rejected + excluded.rejected)
            select allowed, ahead_us, set_config('synchronous_commit', 'off', true) from rl
            """;

    /**
     * The same, started before authentication has answered so the two round trips overlap: it authenticates for
     * itself (an unknown or revoked key, or a tenant that is not active, consumes and counts nothing) and reads the
     * plan's requests_per_minute ($3 overrides it when not null). $2 is the key's SHA-256.
     */
    private static final String REQUEST_PREFETCH = """
            with lim as (
                select coalesce($3::int8, p.requests_per_minute::int8) as rpm
                  from api_keys k join tenants t on t.id = k.tenant_id join plans p on p.id = t.plan
                 where k.hash = $2 and k.revoked_at is null and t.status = 'active'),
            rl as (
                insert into rate_limits as r (tenant_id, key, tat, allowed)
                select $1, 's:requests', now() + (60000000 / lim.rpm) * interval '1 microsecond', true from lim
                on conflict (tenant_id, key) do update
                   set allowed = greatest(r.tat, now()) + (select 60000000 / rpm from lim) * interval '1 microsecond'
                                 <= now() + interval '60 seconds',
                       tat = case when greatest(r.tat, now()) + (select 60000000 / rpm from lim) * interval '1 microsecond'
                                       <= now() + interval '60 seconds'
                                  then greatest(r.tat, now()) + (select 60000000 / rpm from lim) * interval '1 microsecond'
                                  else r.tat end
                returning allowed, (extract(epoch from greatest(tat, now()) - now()) * 1000000)::int8 as ahead_us),
            counted as (
                insert into tenant_request_counts as c (tenant_id, window_start, requests, rejected)
                select $1, date_trunc('minute', now()), 1, case when rl.allowed then 0 else 1 end from rl
                on conflict (tenant_id, window_start) do update
                   set requests = c.requests + 1, rejected = c.rejected + excluded.rejected)
            select rl.allowed, rl.ahead_us, (select rpm from lim) as rpm, set_config('synchronous_commit', 'off', true) from rl
            """;

    private final TenantTx tx;

    public RateLimiter(TenantTx tx) {
        this.tx = tx;
    }

    /** consume(key, limit, period, cost) for the tenant's own keys. */
    public Uni<Decision> consume(UUID tenant, String key, long limit, long periodMs, long cost) {
        if (limit < 1 || periodMs < 1 || cost < 0) {
            throw ProblemException.badRequest("limit and period must be positive and cost not negative");
        }
        if (cost > limit) {
            throw ProblemException.unprocessable("cost " + cost + " can never fit in a limit of " + limit);
        }
        return run(tenant, CONSUME, USER_PREFIX + key, limit, periodMs, cost);
    }

    /** The per-tenant request limit: one request against requestsPerMinute, counted in tenant_request_counts. */
    public Uni<Decision> request(UUID tenant, int requestsPerMinute) {
        return run(tenant, REQUEST, REQUESTS_KEY, requestsPerMinute, 60_000, 1);
    }

    /** The request limit for a presented key, before authentication; empty when the key does not authenticate. */
    public Uni<java.util.Optional<Decision>> requestBeforeAuthentication(UUID tenant, byte[] keyHash, Integer override) {
        return tx.statement(tenant, REQUEST_PREFETCH, Tuple.of(tenant, io.vertx.core.buffer.Buffer.buffer(keyHash),
                override == null ? null : override.longValue())).map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return java.util.Optional.empty();
                    }
                    Row r = it.next();
                    long limit = r.getLong("rpm");
                    long periodUs = 60_000_000L;
                    return java.util.Optional.of(decide(r.getBoolean("allowed"), r.getLong("ahead_us"), limit, periodUs, periodUs / limit, 1));
                });
    }

    private Uni<Decision> run(UUID tenant, String sql, String key, long limit, long periodMs, long cost) {
        long periodUs = Math.multiplyExact(periodMs, 1000L);
        long incrementUs = (long) Math.ceil((double) periodUs * cost / limit);
        return tx.statement(tenant, sql, Tuple.of(tenant, key, periodUs, incrementUs))
                .map(rows -> decide(rows.iterator().next(), limit, periodUs, incrementUs, cost));
    }

    static Decision decide(Row r, long limit, long periodUs, long incrementUs, long cost) {
        return decide(r.getBoolean("allowed"), r.getLong("ahead_us"), limit, periodUs, incrementUs, cost);
    }

    /** ahead: how far the stored TAT is ahead of now (after this consume when allowed). */
    static Decision decide(boolean allowed, long aheadUs, long limit, long periodUs, long incrementUs, long cost) {
        double emissionUs = (double) periodUs / limit;
        long remaining = Math.max(0, (long) Math.floor((periodUs - aheadUs) / emissionUs + 1e-9));
        long retryAfterUs = allowed ? 0 : Math.max(0, aheadUs + incrementUs - periodUs);
        return new Decision(allowed, limit, remaining, ceilMs(aheadUs), ceilMs(retryAfterUs));
    }

    private static long ceilMs(long us) {
        return (us + 999) / 1000;
    }
}
