package dev.onebase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.ProjectFiles;

/**
 * The packaged service's start-up, as its own process with its embedded database: start-up work is not bounded by the
 * request path's pool wait, and a start that fails ends the process at once, with status 1 and a line saying why
 * (it once sat until the 90 s shutdown deadline halted it).
 */
class StartupIT {

    private Process process;
    private final List<String> log = new ArrayList<>();

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
            CompletableFuture<String> listening = launch(Map.of("ONEBASE_RESP_PORT", Integer.toString(taken.getLocalPort()),
                    "ONEBASE_RESP_HOST", "127.0.0.1"));
            assertTrue(process.waitFor(180, TimeUnit.SECONDS), "the service did not end: " + tail());
            long failedAt = System.nanoTime();
            assertTrue(!listening.isDone() || listening.isCompletedExceptionally(), "the service started: " + tail());
            assertEquals(1, process.exitValue(), tail());
            long exitedAfter = TimeUnit.NANOSECONDS.toMillis(failedAt - failedLineAt);
            assertTrue(failedLineAt > 0, "Quarkus did not report the failed start: " + tail());
            assertTrue(exitedAfter < 15_000, "the process exited " + exitedAfter + " ms after its start failed: " + tail());
            assertTrue(lines().stream().anyMatch(l -> l.contains("onebase failed to start") && l.contains("in use")),
                    "no line of the service's says why it ends: " + tail());
        }
    }

    @Test
    void startUpWorkOutlastsTheRequestPathsPoolWait() throws Exception {
        // a request waits 1 ms for a pool connection: no first connection is made that fast, start-up waits longer
        CompletableFuture<String> listening = launch(Map.of("ONEBASE_DB_POOL_WAIT", "1ms"));
        String port = listening.get(180, TimeUnit.SECONDS);
        assertTrue(port.matches("\\d+"), tail());
        assertTrue(lines().stream().anyMatch(l -> l.contains("Row-Level Security audit passed")), tail());
        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), tail());
    }

    private volatile long failedLineAt;

    private CompletableFuture<String> launch(Map<String, String> env) throws IOException {
        Path data = Files.createTempDirectory("onebase-startup-it");
        Path jar = ProjectFiles.ROOT.resolve("target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.isRegularFile(jar), "package the service first: " + jar);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=0", "-jar", jar.toString()).redirectErrorStream(true);
        pb.environment().put("ONEBASE_EMBEDDED_DATA_DIR", data.resolve("db").toString());
        pb.environment().put("ONEBASE_BACKUP_DIR", data.resolve("backups").toString());
        pb.environment().put("ONEBASE_ADMIN_TOKEN", "test-admin-token");
        pb.environment().put("ONEBASE_JOBS_SCHEDULER_ENABLED", "false");
        pb.environment().put("ONEBASE_BACKUP_WAL_ENABLED", "false");
        pb.environment().put("ONEBASE_RESP_PORT", "0");
        pb.environment().put("ONEBASE_SHUTDOWN_DELAY", "1s");
        for (String k : List.of("QUARKUS_DATASOURCE_REACTIVE_URL", "DATABASE_URL")) {
            pb.environment().remove(k);
        }
        pb.environment().putAll(env);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    synchronized (log) {
                        log.add(line);
                    }
                    if (line.contains("Failed to start application") && failedLineAt == 0) {
                        failedLineAt = System.nanoTime();
                    }
                    java.util.regex.Matcher m = ShutdownIT.LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
            port.completeExceptionally(new AssertionError("the service exited before listening"));
        }, "startup-it-log");
        reader.setDaemon(true);
        reader.start();
        return port;
    }

    private List<String> lines() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    private String tail() {
        List<String> l = lines();
        return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
    }
}
