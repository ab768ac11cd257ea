package dev.onebase.ratelimit;

import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The lease in flight that requests finding no tokens wait for, resumed in the order they arrived.
 * <p>
 * Not a memoized Uni: Mutiny's memoize can hand its item to a subscriber of another thread before that subscriber's
 * onSubscribe, and a flatMap then takes its inner item for the outer one (a ClassCastException seen under a placement
 * move's concurrent traffic). Not a CompletableFuture either: it runs its dependents last-registered first, which
 * reordered a RESP pipeline's commands that waited for the same lease (IncrConformanceTest).
 */
final class PendingLease {

    private final List<UniEmitter<? super Void>> waiters = new ArrayList<>();
    private boolean settled;
    private Throwable failure;

    Uni<Void> await() {
        return Uni.createFrom().emitter(em -> {
            synchronized (this) {
                if (!settled) {
                    waiters.add(em);
                    return;
                }
            }
            resume(em);
        });
    }

    void settle(Throwable failed) {
        List<UniEmitter<? super Void>> resumed;
        synchronized (this) {
            settled = true;
            failure = failed;
            resumed = new ArrayList<>(waiters);
            waiters.clear();
        }
        resumed.forEach(this::resume);
    }

    private void resume(UniEmitter<? super Void> em) {
        if (failure == null) {
            em.complete(null);
        } else {
            em.fail(failure);
        }
    }
}
