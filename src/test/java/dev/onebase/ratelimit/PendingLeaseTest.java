package dev.onebase.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Requests waiting for one lease resume in the order they arrived: a RESP pipeline's commands wait for the same lease
 * and must reach the cache in the pipeline's order (a CompletableFuture resumed them last first: IncrConformanceTest
 * saw INCRs of one key applied out of order).
 */
class PendingLeaseTest {

    @Test
    void waitersResumeInArrivalOrderAndLateOnesAtOnce() {
        PendingLease lease = new PendingLease();
        List<Integer> resumed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            lease.await().subscribe().with(v -> resumed.add(n));
        }
        assertEquals(List.of(), resumed);
        lease.settle(null);
        lease.await().subscribe().with(v -> resumed.add(5));
        assertEquals(List.of(0, 1, 2, 3, 4, 5), resumed);
    }

    @Test
    void aFailedLeaseFailsEveryWaiter() {
        PendingLease lease = new PendingLease();
        List<String> failures = new ArrayList<>();
        lease.await().subscribe().with(v -> failures.add("item"), e -> failures.add(e.getMessage()));
        lease.settle(new IllegalStateException("down"));
        lease.await().subscribe().with(v -> failures.add("item"), e -> failures.add(e.getMessage()));
        assertEquals(List.of("down", "down"), failures);
    }
}
