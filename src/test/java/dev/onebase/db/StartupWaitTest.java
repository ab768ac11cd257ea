package dev.onebase.db;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.EmbeddedDatabaseResource;
import dev.onebase.web.ProblemMapper;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;

/**
 * Under heavy load the service once failed to start with "Timeout waiting for connection": the RLS audit's statement
 * waited for its pool connection no longer than the request path's bound ({@code onebase.db.pool-wait}). Start-up work
 * has its own bound: here the pool's only connection is held busy well past the pool wait, and the audit still runs;
 * a wait that cannot end ends at the start-up deadline, with a line saying what waited.
 */
class StartupWaitTest {

    @Test
    void theAuditWaitsForABusyPoolPastThePoolWait() throws Exception {
        Map<String, String> db = new EmbeddedDatabaseResource().start();
        Vertx vertx = Vertx.vertx();
        try {
            PgConnectOptions app = appOptions(db);
            // the request path's bound: 200 ms for a connection; one connection in all
            Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setConnectionTimeout(200).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
                    .connectingTo(app).using(vertx).build();
            SqlConnection held = firstConnection(pool);
            vertx.setTimer(1500, id -> held.close());
            RlsAudit audit = new RlsAudit(new io.vertx.mutiny.sqlclient.Pool(pool), new StartupWork(Duration.ofSeconds(60), Instant.now().plusSeconds(60)));
            assertDoesNotThrow(() -> audit.onStart(null), "the start-up statement gave up at the request path's pool wait");
            pool.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    @Test
    void theStartUpDeadlineEndsAWaitThatCannotEndAndOtherFailuresAreNotRetried() throws Exception {
        Map<String, String> db = new EmbeddedDatabaseResource().start();
        Vertx vertx = Vertx.vertx();
        try {
            Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setConnectionTimeout(200).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
                    .connectingTo(appOptions(db)).using(vertx).build();
            io.vertx.mutiny.sqlclient.Pool mutiny = new io.vertx.mutiny.sqlclient.Pool(pool);
            SqlConnection held = firstConnection(pool); // and never given back
            long began = System.nanoTime();
            StartupWork work = new StartupWork(Duration.ofSeconds(2), Instant.now().plusSeconds(2));
            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> work.await("the test statement", () -> mutiny.query("select 1").execute()));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            assertTrue(took >= 1500 && took < 10_000, "gave up after " + took + " ms");
            assertTrue(failed.getMessage().startsWith("start-up: the test statement found no database connection within onebase.startup.deadline"),
                    failed.getMessage());
            assertTrue(ProblemMapper.isPoolTimeout(failed.getCause()), "the request path answers the same failure 503: " + failed.getCause());
            held.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

            // a statement that got its connection and failed is not run again
            java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
            long before = System.nanoTime();
            assertThrows(RuntimeException.class, () -> new StartupWork(Duration.ofSeconds(30), Instant.now().plusSeconds(30))
                    .await("a broken statement", () -> {
                        runs.incrementAndGet();
                        return mutiny.query("select no_such_column").execute();
                    }));
            assertEquals(1, runs.get());
            assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(10));
            pool.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private static PgConnectOptions appOptions(Map<String, String> db) {
        return new PgConnectOptions().setHost(db.get("onebase.db.host")).setPort(Integer.parseInt(db.get("onebase.db.port")))
                .setDatabase(db.get("onebase.db.name")).setUser(db.get("quarkus.datasource.username"))
                .setPassword(db.get("quarkus.datasource.password"));
    }

    /** On a busy machine even the first connect can outlast 200 ms; the connect goes on and the pool keeps it. */
    private static SqlConnection firstConnection(Pool pool) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return pool.getConnection().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > until) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
