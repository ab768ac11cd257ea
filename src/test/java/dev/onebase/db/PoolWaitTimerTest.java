package dev.onebase.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * A query on a pool whose database refuses connections fails at once; Vert.x's wait timer then fails it a second
 * time, as an uncaught "Result is already complete" (what the log showed after every outage). The service drops
 * exactly that one, and nothing else.
 */
class PoolWaitTimerTest {

    @Test
    void theWaitTimersSecondFailureAfterARefusedConnectionNoLongerReachesVertx() throws Exception {
        assertEquals(List.of("Result is already complete"), uncaughtAfterARefusedQuery(false), "Vert.x' own behaviour (if this changes, the filter may go)");
        assertEquals(List.of(), uncaughtAfterARefusedQuery(true));
    }

    @Test
    void everyOtherUncaughtExceptionStillReachesTheHandlerBefore() {
        Vertx vertx = Vertx.vertx();
        try {
            List<String> seen = new CopyOnWriteArrayList<>();
            vertx.exceptionHandler(t -> seen.add(t.getMessage()));
            PoolSetup.ignoreTheWaitTimersSecondFailure(vertx);
            PoolSetup.ignoreTheWaitTimersSecondFailure(vertx);
            vertx.exceptionHandler().handle(new IllegalStateException("Result is already complete"));
            vertx.exceptionHandler().handle(new RuntimeException("boom"));
            assertEquals(List.of("Result is already complete", "boom"), seen, "not thrown by the pool's timer: passed on");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private static List<String> uncaughtAfterARefusedQuery(boolean filtered) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Vertx vertx = Vertx.vertx();
        List<String> uncaught = new CopyOnWriteArrayList<>();
        try {
            vertx.exceptionHandler(t -> uncaught.add(t.getMessage()));
            if (filtered) {
                PoolSetup.ignoreTheWaitTimersSecondFailure(vertx);
            }
            Pool pool = PgBuilder.pool()
                    .with(new PoolOptions().setMaxSize(1).setConnectionTimeout(200).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
                    .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port).setUser("x").setDatabase("x"))
                    .using(vertx).build();
            Throwable failure = pool.query("select 1").execute().toCompletionStage().toCompletableFuture()
                    .handle((r, t) -> t).get(10, TimeUnit.SECONDS);
            assertTrue(failure != null, "the query fails: nothing listens");
            // the 200 ms wait timer fires after the failure: wait for its echo (unfiltered) or well past it (filtered)
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(filtered ? 2 : 20);
            while (System.nanoTime() < until && uncaught.isEmpty()) {
                Thread.sleep(50);
            }
            pool.close();
            return List.copyOf(uncaught);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
