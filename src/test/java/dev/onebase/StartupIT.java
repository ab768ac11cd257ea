package dev.onebase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.ServiceProcess;

/**
 * The packaged service's start-up, as its own process with its embedded database: start-up work is not bounded by the
 * request path's pool wait, and a start that fails ends the process at once, with status 1 and a line saying why
 * (it once sat until the 90 s shutdown deadline halted it).
 */
class StartupIT {

    private ServiceProcess service;
    private Process process;

    @AfterEach
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    void aStartThatFailsExitsAtOnceWithStatusOneAndSaysWhy() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // the RESP port is already in use: a start-up step (after the database, the migrations and the audit) fails
            CompletableFuture<Integer> listening = launch(Map.of("ONEBASE_RESP_PORT", Integer.toString(taken.getLocalPort()),
                    "ONEBASE_RESP_HOST", "127.0.0.1"));
            assertTrue(process.waitFor(180, TimeUnit.SECONDS), "the service did not end: " + tail());
            long failedAt = System.nanoTime();
            assertTrue(!listening.isDone() || listening.isCompletedExceptionally(), "the service started: " + tail());
            assertEquals(1, process.exitValue(), tail());
            OptionalLong failedLineAt = service.firstSeen("Failed to start application");
            assertTrue(failedLineAt.isPresent(), "Quarkus did not report the failed start: " + tail());
            long exitedAfter = TimeUnit.NANOSECONDS.toMillis(failedAt - failedLineAt.getAsLong());
            assertTrue(exitedAfter < 15_000, "the process exited " + exitedAfter + " ms after its start failed: " + tail());
            assertTrue(lines().stream().anyMatch(l -> l.contains("onebase failed to start") && l.contains("in use")),
                    "no line of the service's says why it ends: " + tail());
        }
    }

    @Test
    void startUpWorkOutlastsTheRequestPathsPoolWait() throws Exception {
        // a request waits 1 ms for a pool connection: no first connection is made that fast, start-up waits longer
        CompletableFuture<Integer> listening = launch(Map.of("ONEBASE_DB_POOL_WAIT", "1ms"));
        int port = listening.get(180, TimeUnit.SECONDS);
        assertTrue(port > 0, tail());
        assertTrue(lines().stream().anyMatch(l -> l.contains("Row-Level Security audit passed")), tail());
        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), tail());
    }

    private CompletableFuture<Integer> launch(Map<String, String> env) throws IOException {
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("ONEBASE_SHUTDOWN_DELAY", "1s");
        service = ServiceProcess.start(Files.createTempDirectory("onebase-startup-it"), all);
        process = service.process();
        return service.listening();
    }

    private List<String> lines() {
        return service.lines();
    }

    private String tail() {
        return service.tail();
    }
}
