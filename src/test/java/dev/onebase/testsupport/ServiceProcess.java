package dev.onebase.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged service (target/quarkus-app) as a process of its own, with its own embedded database in {@code data}:
 * for the tests that signal it, kill it or watch it fail to start. Its output is kept, line by line, with the time each
 * line arrived.
 */
public final class ServiceProcess {

    private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:]+:(\\d+)");

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final List<Long> arrivals = new ArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();

    private ServiceProcess(Process process) {
        this.process = process;
    }

    /** Starts the service with the tests' settings (no scheduler, no WAL streaming, any free ports), then {@code env}. */
    public static ServiceProcess start(Path data, Map<String, String> env) throws IOException {
        Path jar = ProjectFiles.ROOT.resolve("target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.isRegularFile(jar), "package the service first: " + jar);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=0", "-jar", jar.toString()).redirectErrorStream(true);
        pb.environment().put("ONEBASE_EMBEDDED_DATA_DIR", data.resolve("db").toString());
        pb.environment().put("ONEBASE_BACKUP_DIR", data.resolve("backups").toString());
        pb.environment().put("ONEBASE_ADMIN_TOKEN", "test-admin-token");
        pb.environment().put("ONEBASE_JOBS_SCHEDULER_ENABLED", "false");
        pb.environment().put("ONEBASE_BACKUP_WAL_ENABLED", "false");
        pb.environment().put("ONEBASE_RESP_PORT", "0"); // the integration tests' jar may still hold a fixed one
        for (String k : List.of("QUARKUS_DATASOURCE_REACTIVE_URL", "DATABASE_URL")) {
            pb.environment().remove(k);
        }
        pb.environment().putAll(env);
        // as root the embedded server runs as an unprivileged user, which must be able to make its cluster here
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        ServiceProcess service = new ServiceProcess(pb.start());
        service.readOutput();
        return service;
    }

    private void readOutput() {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    synchronized (lines) {
                        lines.add(line);
                        arrivals.add(System.nanoTime());
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
            port.completeExceptionally(new AssertionError("the service exited before listening"));
        }, "service-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    public Process process() {
        return process;
    }

    /** Completes with the HTTP port once the service says it listens; fails if it ends first. */
    public CompletableFuture<Integer> listening() {
        return port;
    }

    /** Waits for the HTTP port, or fails with the end of the service's output. */
    public int port() {
        try {
            return port.get(180, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the service did not start: " + tail(), e);
        }
    }

    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** When (System.nanoTime) the first line containing {@code text} arrived. */
    public OptionalLong firstSeen(String text) {
        synchronized (lines) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    return OptionalLong.of(arrivals.get(i));
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The last 40 lines of output, for assertion messages. */
    public String tail() {
        List<String> l = lines();
        return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
    }

    public void kill() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
