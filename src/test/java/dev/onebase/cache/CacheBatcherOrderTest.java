package dev.onebase.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The batcher sends several batches of a tenant side by side (up to {@link CacheBatcher#GETS_IN_FLIGHT} of GETs and
 * {@link CacheBatcher#WRITES_IN_FLIGHT} of writes per event loop), each GET still answered with its own value; the
 * writes of one connection that arrived together and had to be cut into several batches
 * ({@link CacheBatcher#MAX_BATCH}) still run in order while other connections' writes go beside them: the last SET of
 * a key wins and INCRs of one key answer 1, 2, 3... in the order they were asked. With one connection's writes in two
 * batches side by side, on two connections of the pool, either could commit first.
 */
@QuarkusTest
class CacheBatcherOrderTest {

    private static final int COMMANDS = 3 * CacheBatcher.MAX_BATCH + 7;

    @Inject
    CacheBatcher batcher;

    @Inject
    CacheStore store;

    @Inject
    Vertx vertx;

    @Test
    void setsCutIntoSeveralBatchesKeepTheirOrder() throws Exception {
        var tenant = TestApi.signup().id();
        for (int round = 0; round < 3; round++) {
            String key = "order-" + round;
            Object connection = new Object();
            List<CompletableFuture<Void>> done = onOneEventLoopTurn(() -> {
                List<CompletableFuture<Void>> futures = new ArrayList<>();
                for (int i = 0; i < COMMANDS; i++) {
                    futures.add(batcher.set(connection, tenant, key, bytes(i), null).subscribeAsCompletionStage());
                    // other connections, whose writes may go beside it
                    futures.add(batcher.set(new Object(), tenant, "other-" + (i % 5), bytes(i), null).subscribeAsCompletionStage());
                }
                return futures;
            });
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            var value = store.get(tenant, key).await().atMost(Duration.ofSeconds(10)).orElseThrow();
            assertEquals(String.valueOf(COMMANDS - 1), new String(value.bytes(), StandardCharsets.UTF_8), "the last SET of " + key + " wins");
        }
    }

    @Test
    void incrsCutIntoSeveralBatchesAnswerInOrder() throws Exception {
        var tenant = TestApi.signup().id();
        Object connection = new Object();
        List<CompletableFuture<Long>> others = new ArrayList<>();
        List<CompletableFuture<Long>> answers = onOneEventLoopTurn(() -> {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < COMMANDS; i++) {
                futures.add(batcher.incr(connection, tenant, "counter", 1).subscribeAsCompletionStage());
                others.add(batcher.incr(new Object(), tenant, "other-counter", 1).subscribeAsCompletionStage());
            }
            return futures;
        });
        for (int i = 0; i < answers.size(); i++) {
            assertEquals(i + 1L, answers.get(i).get(60, TimeUnit.SECONDS), "INCR number " + (i + 1));
        }
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (var other : others) {
            seen.add(other.get(60, TimeUnit.SECONDS));
        }
        assertEquals(COMMANDS, seen.size(), "every other INCR had a value of its own");
    }

    @Test
    void getsOfManyBatchesInFlightEachGetTheirOwnAnswer() throws Exception {
        var tenant = TestApi.signup().id();
        for (int i = 0; i < 10; i++) {
            store.set(tenant, "g" + i, bytes(i), null, new CacheStore.Expiry(null, null, false), CacheStore.Condition.ALWAYS, false)
                    .await().atMost(Duration.ofSeconds(10));
        }
        Context ctx = vertx.getOrCreateContext();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        CompletableFuture<Void> asked = new CompletableFuture<>();
        // one GET per turn of the loop: each turn's batch goes out while the earlier ones are still in flight
        ctx.runOnContext(v -> askOnePerTurn(ctx, tenant, 0, 3 * CacheBatcher.GETS_IN_FLIGHT * 10, answers, asked));
        asked.get(30, TimeUnit.SECONDS);
        for (int i = 0; i < answers.size(); i++) {
            String expected = i % 20 < 10 ? String.valueOf(i % 20) : null;
            assertEquals(expected, answers.get(i).get(30, TimeUnit.SECONDS), "GET number " + i);
        }
        assertNull(answers.get(15).get(), "a miss among hits");
        assertTrue(batcher.getStatements() > 0);
    }

    private void askOnePerTurn(Context ctx, java.util.UUID tenant, int i, int n, List<CompletableFuture<String>> answers,
            CompletableFuture<Void> asked) {
        if (i == n) {
            asked.complete(null);
            return;
        }
        CompletableFuture<String> answer = new CompletableFuture<>();
        answers.add(answer);
        String key = i % 20 < 10 ? "g" + (i % 20) : "missing-" + i;
        batcher.get(tenant, key, (value, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(value == null ? null : new String(value.bytes(), StandardCharsets.UTF_8));
            }
        });
        ctx.runOnContext(v -> askOnePerTurn(ctx, tenant, i + 1, n, answers, asked));
    }

    /** Runs {@code ask} in one turn of an event loop, so everything it asks is waiting together when the batch goes. */
    private <T> List<CompletableFuture<T>> onOneEventLoopTurn(java.util.function.Supplier<List<CompletableFuture<T>>> ask) throws Exception {
        CompletableFuture<List<CompletableFuture<T>>> asked = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> asked.complete(ask.get()));
        return asked.get(30, TimeUnit.SECONDS);
    }

    private static byte[] bytes(int i) {
        return String.valueOf(i).getBytes(StandardCharsets.UTF_8);
    }
}
