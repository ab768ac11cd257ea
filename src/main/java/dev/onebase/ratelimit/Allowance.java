package dev.onebase.ratelimit;

import java.util.concurrent.TimeUnit;


/**
 * One tenant's request limit as this replica holds it: requests leased from the shared bucket and not yet used, what
 * the bucket said at the last lease, and the requests counted since the last write. Callers synchronize on it.
 *
 * <p>The lease size adapts to this replica's traffic: it doubles while leases run out within {@link #FAST}, halves
 * when leased requests expire unused, and never exceeds a tenth of a second of the limit ({@link #maxLease}). Leased
 * requests expire after {@link #LIFETIME}: they were taken from the bucket, so the limit is never exceeded by more
 * than what one replica holds at a time, and what expires unused is lost to the tenant for that minute.
 */
final class Allowance {

    static final long LIFETIME = TimeUnit.SECONDS.toNanos(1);
    static final long FAST = TimeUnit.MILLISECONDS.toNanos(100);
    static final int MOST = 10_000;

    record Counts(long requests, long rejected) {
    }

    /** The lease in flight that requests finding no tokens wait for. */
    PendingLease pendingLease;

    /** Dropped from the replica's map as idle: whoever still holds it must look the tenant up again. */
    boolean retired;

    private int limit;
    private int tokens;
    private int leaseSize = 1;
    private long leasedAt;
    private long expiresAt;
    private long refusedUntil;
    private boolean refusing;
    private long remainingAtLease;
    private long resetMsAtLease;
    private long requests;
    private long rejected;
    private long lastUsed = System.nanoTime();

    static int maxLease(int limit) {
        return Math.max(1, Math.min(MOST, limit / 600));
    }

    int limit() {
        return limit;
    }

    /** A decision without the database, or null when a lease is needed. */
    RateLimiter.Decision takeLocally(int limit, long now) {
        lastUsed = now;
        if (limit != this.limit) {
            this.limit = limit;
            tokens = 0;
            leaseSize = 1;
            refusing = false;
        }
        if (tokens > 0 && now - expiresAt >= 0) {
            tokens = 0;
            leaseSize = Math.max(1, leaseSize / 2);
        }
        if (tokens > 0) {
            tokens--;
            requests++;
            return new RateLimiter.Decision(true, limit, Math.min(limit, remainingAtLease + tokens), resetMsAtLease, 0);
        }
        if (refusing && now - refusedUntil < 0) {
            requests++;
            rejected++;
            long retryMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(refusedUntil - now));
            return new RateLimiter.Decision(false, limit, 0, resetMsAtLease, retryMs);
        }
        refusing = false;
        return null;
    }

    int nextLeaseSize(int limit, long now) {
        if (leasedAt != 0 && now - leasedAt < FAST) {
            leaseSize = Math.min(maxLease(limit), leaseSize * 2);
        }
        return Math.min(leaseSize, maxLease(limit));
    }

    void leased(int limit, RateLimiter.Lease lease, long now) {
        if (limit != this.limit) {
            return; // the plan changed while the lease was out: its requests are simply not used
        }
        leasedAt = now;
        RateLimiter.Decision bucket = bucket(limit, lease);
        remainingAtLease = bucket.remaining();
        resetMsAtLease = bucket.resetMs();
        if (lease.granted() > 0) {
            tokens += lease.granted();
            expiresAt = now + LIFETIME;
        } else {
            refusing = true;
            refusedUntil = now + TimeUnit.MILLISECONDS.toNanos(bucket.retryAfterMs());
        }
    }

    /** The decision for a request that leased exactly one request for itself. */
    RateLimiter.Decision decidedAlone(int limit, RateLimiter.Lease lease) {
        requests++;
        RateLimiter.Decision bucket = bucket(limit, lease);
        if (!bucket.allowed()) {
            rejected++;
            return bucket;
        }
        return new RateLimiter.Decision(true, limit, Math.min(limit, bucket.remaining() + tokens), bucket.resetMs(), 0);
    }

    /** What the bucket said with this lease: what it has left, and when one more request fits. */
    private static RateLimiter.Decision bucket(int limit, RateLimiter.Lease lease) {
        long periodUs = 60_000_000L;
        return RateLimiter.decide(lease.granted() > 0, lease.aheadUs(), limit, periodUs, (long) Math.ceil((double) periodUs / limit), 1);
    }

    Counts drainCounts() {
        Counts c = new Counts(requests, rejected);
        requests = 0;
        rejected = 0;
        return c;
    }

    void addCounts(Counts c) {
        requests += c.requests();
        rejected += c.rejected();
    }

    /** Counts not yet written, a lease in flight, or leased requests still usable at {@code now}. */
    boolean hasPending(long now) {
        return requests > 0 || pendingLease != null || (tokens > 0 && now - expiresAt < 0);
    }

    long idleSince(long now) {
        return now - lastUsed;
    }
}
