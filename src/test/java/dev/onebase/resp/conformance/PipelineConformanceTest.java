package dev.onebase.resp.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * Pipelines whose commands run together on onebase (reads, plain SETs, INCRs) while some of them are answered at once,
 * before anything reached the database (a wrong number of arguments, QUEUED inside MULTI): every reply still comes,
 * in order. Starting such a group used to walk the connection's queue while an answer given at once removed its head
 * (a ConcurrentModificationException on the event loop, and the pipeline's remaining replies never came).
 */
@QuarkusTest
class PipelineConformanceTest extends ConformanceBase {

    private static final String GET_ARITY = "ERR wrong number of arguments for 'get' command";

    @Test
    @DisplayName("pipeline: reads answered at once (wrong arity) followed by reads that go to the database")
    void readsAnsweredAtOnceThenOthers() {
        r.ok("set", "k", "v");
        List<Object[]> commands = new ArrayList<>();
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            commands.add(new Object[] { "get", "k", "extra" });
            expected.add(new RawResp.Error(GET_ARITY));
            commands.add(new Object[] { "get", "k" });
            expected.add("v");
            commands.add(new Object[] { "strlen", "k" });
            expected.add(1L);
            commands.add(new Object[] { "get" });
            expected.add(new RawResp.Error(GET_ARITY));
            commands.add(new Object[] { "get", "missing" });
            expected.add(null);
        }
        assertEquals(expected, r.pipeline(commands));
        assertEquals("v", r.str("get", "k"), "the connection still answers");
    }

    /**
     * Thousands of reads in one write, every one answered at once: each answer used to start the next from inside the
     * previous one's, so the stack grew with the pipeline until the event loop's thread overflowed and the rest of the
     * replies never came.
     */
    @Test
    @DisplayName("pipeline: 20000 reads answered at once, in one write")
    void longPipelineAnsweredAtOnce() {
        int n = 20_000;
        List<Object[]> commands = new ArrayList<>();
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            commands.add(new Object[] { "get", "k", "extra" });
            expected.add(new RawResp.Error(GET_ARITY));
        }
        commands.add(new Object[] { "get", "k" });
        expected.add(null);
        assertEquals(expected, r.pipeline(commands));
    }

    @Test
    @DisplayName("pipeline: reads and INCRs queued inside MULTI (QUEUED at once), then EXEC")
    void queuedInsideMulti() {
        r.ok("set", "k", "1");
        List<Object> replies = r.pipeline(List.of(new Object[] { "multi" }, new Object[] { "get", "k" }, new Object[] { "get", "k" },
                new Object[] { "incr", "k" }, new Object[] { "incr", "k" }, new Object[] { "mget", "k", "nokey" }, new Object[] { "exec" },
                new Object[] { "get", "k" }));
        RawResp.Status queued = new RawResp.Status("QUEUED");
        assertEquals(List.of(new RawResp.Status("OK"), queued, queued, queued, queued, queued,
                List.of("1", "1", 2L, 3L, Arrays.asList("3", null)), "3"), replies);
    }

    @Test
    @DisplayName("pipeline: plain SETs and INCRs answered at once (wrong arity) between others")
    void writesAnsweredAtOnceBetweenOthers() {
        List<Object[]> commands = new ArrayList<>();
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            commands.add(new Object[] { "incr" });
            expected.add(new RawResp.Error("ERR wrong number of arguments for 'incr' command"));
            commands.add(new Object[] { "incr", "n" });
            expected.add((long) i + 1);
            commands.add(new Object[] { "set", "s" + i, "v" + i });
            expected.add(new RawResp.Status("OK"));
            commands.add(new Object[] { "get", "s" + i });
            expected.add("v" + i);
        }
        assertEquals(expected, r.pipeline(commands));
    }

    /**
     * Several connections at once, each pipelining SETs, INCRs and GETs of its own keys in many small writes, so that
     * a connection's later writes arrive while its earlier ones are still with the database (and other connections'
     * batches are out beside them): each connection's commands still apply in its order. A connection's writes in two
     * batches sent side by side could commit in either order.
     */
    @Test
    @DisplayName("pipeline: SETs, INCRs and GETs of several connections, written in pieces, apply in each one's order")
    void concurrentPipelinesWrittenInPiecesKeepEachConnectionsOrder() throws Exception {
        int connections = 4;
        int steps = 12; // 4 connections x 12 x 8 commands: within the test plan's request limit
        List<RawResp> clients = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            clients.add(client());
        }
        List<java.util.concurrent.CompletableFuture<Void>> runs = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            RawResp client = clients.get(c);
            String k = "c" + c + ":k";
            String n = "c" + c + ":n";
            runs.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                List<Object> expected = new ArrayList<>();
                RawResp.Status ok = new RawResp.Status("OK");
                for (int i = 0; i < steps; i++) {
                    // each in a write of its own: the later ones of a group arrive while the first are out
                    client.writeRaw(concat(RawResp.encode("set", k, "v" + (3 * i + 1)), RawResp.encode("set", k, "v" + (3 * i + 2))));
                    client.writeRaw(RawResp.encode("set", k, "v" + (3 * i + 3)));
                    client.writeRaw(concat(RawResp.encode("incr", n), RawResp.encode("incr", n)));
                    client.writeRaw(RawResp.encode("incr", n));
                    client.writeRaw(concat(RawResp.encode("get", k), RawResp.encode("get", n)));
                    expected.addAll(List.of(ok, ok, ok, 3L * i + 1, 3L * i + 2, 3L * i + 3, "v" + (3 * i + 3), String.valueOf(3 * i + 3)));
                }
                List<Object> replies = new ArrayList<>();
                for (int i = 0; i < expected.size(); i++) {
                    replies.add(client.read());
                }
                assertEquals(expected, replies, k);
            }));
        }
        for (var run : runs) {
            run.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        for (int c = 0; c < connections; c++) {
            assertEquals("v" + 3 * steps, r.str("get", "c" + c + ":k"));
            assertEquals(String.valueOf(3 * steps), r.str("get", "c" + c + ":n"));
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }
}
