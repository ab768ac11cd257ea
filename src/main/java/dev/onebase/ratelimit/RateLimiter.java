package dev.onebase.ratelimit;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.TenantTx;
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
     * The service's own per-tenant request limit, leased: up to $4 requests at once (as many as fit now), plus the
     * requests this replica has counted since its last lease ($5, of them $6 refused) added to the per-minute counts
     * the stats read. $2 is the emission interval and $3 the period, in microseconds; $4 = 0 only flushes the counts.
     * The counts are usage data, not a promise to a client, so this commits without waiting for the WAL flush
     * (synchronous_commit off, for this transaction only).
     */
    private static final String LEASE = """
            with rl as (
                insert into rate_limits as r (tenant_id, key, tat, allowed, granted)
                select $1, 's:requests', now() + g * $2::float8 * interval '1 microsecond', g > 0, g
                  from (select gcra_grantable(now(), now(), $3::float8, $2::float8, $4::int) as g) first_use
                 where $4::int > 0
                on conflict (tenant_id, key) do update
                   set (granted, allowed, tat) = (select g, g > 0, greatest(r.tat, now()) + g * $2::float8 * interval '1 microsecond'
                                                    from (select gcra_grantable(r.tat, now(), $3::float8, $2::float8, $4::int) as g) x)
                returning granted, (extract(epoch from greatest(tat, now()) - now()) * 1000000)::int8 as ahead_us),
            counted as (
                insert into tenant_request_counts as c (tenant_id, window_start, requests, rejected)
                select $1, date_trunc('minute', now()), $5::int8, $6::int8 where $5::int8 > 0
                on conflict (tenant_id, window_start) do update
                   set requests = c.requests + excluded.requests, rejected = c.rejected + excluded.rejected)
            select rl.granted, rl.ahead_us, set_config('synchronous_commit', 'off', true) as async
              from (select 1) one left join rl on true
            """;

    /** What a lease got: how many requests, and how far the bucket is now ahead of the clock. */
    public record Lease(int granted, long aheadUs) {
    }

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

    /** Leases up to {@code want} requests of a {@code perMinute} limit and adds the counted requests to the stats. */
    Uni<Lease> lease(UUID tenant, int perMinute, int want, long requests, long rejected) {
        double periodUs = 60_000_000d;
        // rate_limits and tenant_request_counts stay shared (V26): the lease never waits for a placement move
        return tx.sharedTablesStatement(tenant, LEASE, Tuple.of(tenant, periodUs / perMinute, periodUs, want, requests, rejected))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    Integer granted = r.getInteger("granted");
                    return granted == null ? new Lease(0, 0) : new Lease(granted, r.getLong("ahead_us"));
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
        long remaining = Math.max(0, Math.min(limit, (long) Math.floor((periodUs - aheadUs) / emissionUs + 1e-9)));
        long retryAfterUs = allowed ? 0 : Math.max(0, aheadUs + incrementUs - periodUs);
        return new Decision(allowed, limit, remaining, ceilMs(aheadUs), ceilMs(retryAfterUs));
    }

    private static long ceilMs(long us) {
        return (us + 999) / 1000;
    }
}
