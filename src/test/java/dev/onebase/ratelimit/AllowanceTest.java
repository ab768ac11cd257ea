package dev.onebase.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** How one replica hands out leased requests: on a made-up clock, so every step is exact. */
class AllowanceTest {

    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final int LIMIT = 60_000; // one request per millisecond; leases of at most 100

    @Test
    void handsOutExactlyWhatWasLeasedAndNoMore() {
        Allowance a = new Allowance();
        long now = 1_000 * MS;
        assertNull(a.takeLocally(LIMIT, now), "nothing leased yet");
        int want = a.nextLeaseSize(LIMIT, now);
        assertEquals(1, want, "the first lease is small");
        a.leased(LIMIT, new RateLimiter.Lease(1, 1_000), now);
        assertTrue(a.takeLocally(LIMIT, now).allowed());
        assertNull(a.takeLocally(LIMIT, now), "the one leased request is used up");
        // leases that run out quickly grow: 2, 4, 8 ... up to a tenth of a second of the limit
        int size = 1;
        for (int i = 0; i < 10; i++) {
            now += MS;
            int next = a.nextLeaseSize(LIMIT, now);
            assertTrue(next >= size && next <= Allowance.maxLease(LIMIT), "lease size " + next);
            size = next;
            a.leased(LIMIT, new RateLimiter.Lease(next, 1_000), now);
            for (int j = 0; j < next; j++) {
                assertTrue(a.takeLocally(LIMIT, now).allowed());
            }
            assertNull(a.takeLocally(LIMIT, now), "never more than was granted");
        }
        assertEquals(100, size);
    }

    @Test
    void everyRequestIsCountedOnceAndDrainedOnce() {
        Allowance a = new Allowance();
        long now = MS;
        a.takeLocally(LIMIT, now);
        a.leased(LIMIT, new RateLimiter.Lease(3, 3_000), now);
        a.takeLocally(LIMIT, now);
        a.takeLocally(LIMIT, now);
        Allowance.Counts counts = a.drainCounts();
        assertEquals(2, counts.requests());
        assertEquals(0, counts.rejected());
        assertEquals(0, a.drainCounts().requests());
        a.addCounts(counts); // a failed write gives them back
        assertEquals(2, a.drainCounts().requests());
    }

    @Test
    void unusedLeasedRequestsExpireAndTheNextLeaseIsSmaller() {
        Allowance a = new Allowance();
        long now = MS;
        assertNull(a.takeLocally(LIMIT, now));
        a.leased(LIMIT, new RateLimiter.Lease(1, 1_000), now);
        a.takeLocally(LIMIT, now);
        now += MS;
        int size = a.nextLeaseSize(LIMIT, now);
        assertEquals(2, size);
        a.leased(LIMIT, new RateLimiter.Lease(2, 2_000), now);
        a.takeLocally(LIMIT, now);
        now += Allowance.LIFETIME;
        assertNull(a.takeLocally(LIMIT, now), "a leased request is not kept past its lifetime");
        assertEquals(1, a.nextLeaseSize(LIMIT, now));
    }

    @Test
    void aRefusedLeaseIsRememberedUntilTheBucketCanHaveRoom() {
        Allowance a = new Allowance();
        long now = MS;
        assertNull(a.takeLocally(LIMIT, now));
        // a full bucket: 60 s ahead, so one more request fits in one emission interval (1 ms)
        a.leased(LIMIT, new RateLimiter.Lease(0, 60_000_000), now);
        RateLimiter.Decision refused = a.takeLocally(LIMIT, now);
        assertNotNull(refused);
        assertFalse(refused.allowed());
        assertEquals(0, refused.remaining());
        assertTrue(refused.retryAfterMs() >= 1);
        assertNull(a.takeLocally(LIMIT, now + 2 * MS), "after that the database is asked again");
        Allowance.Counts counts = a.drainCounts();
        assertEquals(1, counts.requests());
        assertEquals(1, counts.rejected());
    }

    @Test
    void aNewPlanDropsWhatWasLeasedUnderTheOldOne() {
        Allowance a = new Allowance();
        long now = MS;
        a.takeLocally(LIMIT, now);
        a.leased(LIMIT, new RateLimiter.Lease(50, 50_000), now);
        assertNull(a.takeLocally(600, now), "leased under another limit");
        a.leased(LIMIT, new RateLimiter.Lease(50, 50_000), now);
        assertNull(a.takeLocally(600, now), "a lease that comes back after the plan changed is not used");
    }

    @Test
    void theHeadersNeverPromiseMoreThanTheLimit() {
        Allowance a = new Allowance();
        a.takeLocally(1_000_000_000, MS);
        a.leased(1_000_000_000, new RateLimiter.Lease(10_000, 0), MS);
        assertTrue(a.takeLocally(1_000_000_000, MS).remaining() <= 1_000_000_000);
    }
}
