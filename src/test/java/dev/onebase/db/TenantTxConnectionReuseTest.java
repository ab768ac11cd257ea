package dev.onebase.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.PoolOptions;

/**
 * What one tenant transaction leaves on its pooled connection for the next: nothing. Run on a pool of ONE connection,
 * so the next transaction surely gets the same one.
 */
@QuarkusTest
class TenantTxConnectionReuseTest {

    @Inject
    Vertx vertx;
    @Inject
    Config config;
    @Inject
    PipelinedClient pipelined;

    Pool single;
    TenantTx tx;
    UUID tenant;

    @BeforeEach
    void onePooledConnection() {
        single = Pool.newInstance(PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(1).setConnectionTimeout(20).setConnectionTimeoutUnit(TimeUnit.SECONDS))
                .connectingTo(DedicatedConnections.options(config, "onebase-test-single"))
                .using(vertx.getDelegate()).build());
        tx = new TenantTx(single, pipelined);
        tenant = TestApi.signup().id();
    }

    @AfterEach
    void close() {
        single.closeAndAwait();
    }

    /**
     * A statement sent through a finished transaction's handle (a late callback of its work) used to run on the
     * connection's next holder: here inside another transaction, which its failure (division by zero) aborted, so
     * that transaction's own next statement failed with 25P02. Now the late statement is refused and the other
     * transaction goes on.
     */
    @Test
    void aStatementSentThroughAFinishedTransactionsHandleDoesNotReachTheNextHolder() throws Exception {
        AtomicReference<SqlConnection> leaked = new AtomicReference<>();
        tx.run(tenant, conn -> {
            leaked.set(conn);
            return conn.query("select 1").execute();
        }).await().atMost(Duration.ofSeconds(20));

        CountDownLatch open = new CountDownLatch(1);
        CompletableFuture<Void> goOn = new CompletableFuture<>();
        CompletableFuture<Long> next = tx.run(tenant, conn -> conn.query("select 1").execute()
                .invoke(open::countDown)
                .flatMap(x -> Uni.createFrom().completionStage(goOn))
                .flatMap(x -> conn.query("select count(*) from cache_entries").execute())
                .map(rows -> rows.iterator().next().getLong(0))).subscribeAsCompletionStage();
        assertTrue(open.await(20, TimeUnit.SECONDS), "the second transaction is open on the pool's only connection");

        CompletableFuture<?> late = leaked.get().query("select 1/0").execute().subscribeAsCompletionStage();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> late.get(20, TimeUnit.SECONDS));
        goOn.complete(null);
        assertEquals(0L, next.get(20, TimeUnit.SECONDS), "the second transaction was not touched (before: 25P02)");
        assertInstanceOf(IllegalStateException.class, failed.getCause(), "refused before it was sent: " + failed.getCause());
    }

    /**
     * A transaction cancelled while it waited for a connection (its request went away) used to drop the connection it
     * was then given, and the pool was one connection short for good: with a pool of one, every later transaction
     * waited until the pool's timeout.
     */
    @Test
    void aTransactionCancelledWhileWaitingForAConnectionGivesItBack() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        CompletableFuture<Void> holding = tx.run(tenant, conn -> conn.query("select 1").execute()
                .flatMap(x -> Uni.createFrom().completionStage(release))).subscribeAsCompletionStage();
        Cancellable waiting = tx.run(tenant, conn -> conn.query("select 1").execute()).subscribe().with(x -> {
        }, x -> {
        });
        waiting.cancel();
        release.complete(null);
        holding.get(20, TimeUnit.SECONDS);

        long rows = tx.run(tenant, conn -> conn.query("select 1").execute().map(r -> (long) r.size()))
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(1L, rows, "the pool's only connection is free again");
    }
}
