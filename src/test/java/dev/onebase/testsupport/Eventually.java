package dev.onebase.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting for something another thread, process or replica does: asks again until it holds, and fails, naming what it
 * waited for (and what it saw last), when it has not held within the bound. The bound is one of liveness, not speed,
 * unless a test passes its own: a minute by default.
 * <p>
 * Not for waiting until the clock has moved: let time pass in the database instead ({@link Db#passTime}).
 */
public final class Eventually {

    /** How long to wait unless a test says otherwise. */
    public static final Duration BOUND = Duration.ofSeconds(60);

    private Eventually() {
    }

    /** Waits until the condition holds, for at most {@link #BOUND}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, BOUND, condition);
    }

    /** Waits until the condition holds, for at most {@code bound}. */
    public static void until(String what, Duration bound, BooleanSupplier condition) {
        until(what, bound, condition::getAsBoolean, Boolean::booleanValue);
    }

    /** Asks {@code probe} until its answer satisfies {@code done}, for at most {@link #BOUND}; returns that answer. */
    public static <T> T until(String what, Supplier<T> probe, Predicate<? super T> done) {
        return until(what, BOUND, probe, done);
    }

    /** Asks {@code probe} until its answer satisfies {@code done}, for at most {@code bound}; returns that answer. */
    public static <T> T until(String what, Duration bound, Supplier<T> probe, Predicate<? super T> done) {
        long start = System.nanoTime();
        long pause = Math.max(10, Math.min(100, bound.toMillis() / 100));
        while (true) {
            T seen = probe.get();
            if (done.test(seen)) {
                return seen;
            }
            if (System.nanoTime() - start > bound.toNanos()) {
                throw new AssertionError("gave up after " + bound.toMillis() + " ms waiting for " + what + " (last seen: " + seen + ")");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
