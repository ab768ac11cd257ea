package dev.onebase.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.onebase.db.PostgresBinaries;

/**
 * PostgreSQL's own tools, run with ProcessBuilder: where they are, whom they connect as (the password goes in
 * PGPASSWORD, never on the command line), and how a run is watched, stopped and reported.
 */
@ApplicationScoped
public class PgTools {

    private final BackupConfig config;
    private volatile Path binDir;

    public PgTools(BackupConfig config) {
        this.config = config;
    }

    public Path binDir() {
        if (binDir == null) {
            binDir = findBinDir(config.binDir().or(() -> setting("onebase.db.bin-dir")));
        }
        return binDir;
    }

    /** The database to back up: onebase.backup.* settings, else the embedded database's superuser. */
    public BackupTarget target() {
        String host = config.host().or(() -> setting("onebase.db.host")).orElse("127.0.0.1");
        int port = config.port().or(() -> setting("onebase.db.port").map(Integer::valueOf)).orElse(5432);
        String db = config.database().or(() -> setting("onebase.db.name")).orElse("onebase");
        String user = config.user().or(() -> setting("onebase.db.superuser")).orElseThrow(() -> new BackupException(
                "no backup role: set ONEBASE_BACKUP_USER and ONEBASE_BACKUP_PASSWORD (a role with REPLICATION and BYPASSRLS)"));
        String password = config.password().or(() -> setting("onebase.db.superuser-password")).orElse("");
        return new BackupTarget(host, port, db, user, password);
    }

    public String tool(String name) {
        return binDir().resolve(name).toString();
    }

    public static Path findBinDir(Optional<String> configured) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return Path.of(configured.get());
        }
        return PostgresBinaries.find(Optional.empty());
    }

    /** A process builder for a client tool connecting to {@code t}; the password travels in the environment. */
    public static ProcessBuilder client(BackupTarget t, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGPASSWORD", t.password());
        pb.environment().put("PGCONNECT_TIMEOUT", "15");
        pb.environment().remove("PGPASSFILE");
        return pb;
    }

    /** Base connection options for a tool (-h -p -U), no password. */
    public static List<String> connectionArgs(BackupTarget t) {
        return new ArrayList<>(List.of("-h", t.host(), "-p", Integer.toString(t.port()), "-U", t.user(), "-w"));
    }

    /**
     * Runs a started process to its end; {@code output} receives every line it prints on stderr (and stdout unless
     * the caller reads stdout itself). Throws a {@link BackupException} with the tail of the output on failure.
     */
    public static void await(Process p, String what, Duration timeout, BooleanSupplier cancelled, Consumer<String> lines) {
        await(p, what, timeout, cancelled, lines, null);
    }

    /** As above, calling {@code tick} about five times a second while the process runs (progress polling). */
    public static void await(Process p, String what, Duration timeout, BooleanSupplier cancelled, Consumer<String> lines,
            Runnable tick) {
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> readLines(p.getErrorStream(), line -> {
            synchronized (tail) {
                tail.addLast(line);
                if (tail.size() > 20) {
                    tail.removeFirst();
                }
            }
            if (lines != null) {
                lines.accept(line);
            }
        }), what + "-stderr");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!p.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (tick != null) {
                    tick.run();
                }
                if (cancelled.getAsBoolean() || System.nanoTime() > deadline) {
                    p.descendants().forEach(ProcessHandle::destroy);
                    p.destroy();
                    p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                    p.destroyForcibly();
                    throw new BackupException(what + " was stopped: " + (cancelled.getAsBoolean() ? "cancelled" : "timed out after " + timeout));
                }
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BackupException(what + " interrupted");
        }
        if (p.exitValue() != 0) {
            String out;
            synchronized (tail) {
                out = String.join("\n", tail).trim();
            }
            throw new BackupException(what + " failed (exit " + p.exitValue() + "): " + out);
        }
    }

    public static Process start(ProcessBuilder pb, String what) {
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            return p;
        } catch (IOException e) {
            throw new BackupException("cannot run " + what + ": " + e.getMessage());
        }
    }

    /** Runs a client tool with stdout and stderr merged into the report. */
    public static String run(ProcessBuilder pb, String what, Duration timeout) {
        pb.redirectErrorStream(true);
        StringBuilder out = new StringBuilder();
        Process p = start(pb, what);
        // with redirectErrorStream, getErrorStream() is empty and stdout carries both
        Thread t = new Thread(() -> readLines(p.getInputStream(), l -> {
            synchronized (out) {
                out.append(l).append('\n');
            }
        }));
        t.setDaemon(true);
        t.start();
        try {
            await(p, what, timeout, () -> false, null);
        } catch (BackupException e) {
            synchronized (out) {
                throw new BackupException(e.getMessage() + " " + out.toString().trim());
            }
        }
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (out) {
            return out.toString();
        }
    }

    /** Splits on \n and \r, so progress lines ending in a carriage return arrive one by one. */
    static void readLines(InputStream in, Consumer<String> sink) {
        StringBuilder line = new StringBuilder();
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                String s = new String(buf, 0, n, StandardCharsets.UTF_8);
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c == '\n' || c == '\r') {
                        if (line.length() > 0) {
                            sink.accept(line.toString());
                            line.setLength(0);
                        }
                    } else {
                        line.append(c);
                    }
                }
            }
        } catch (IOException e) {
            // the process went away; what it printed so far is reported
        }
        if (line.length() > 0) {
            sink.accept(line.toString());
        }
    }

    static Optional<String> setting(String name) {
        return ConfigProvider.getConfig().getOptionalValue(name, String.class).filter(s -> !s.isBlank());
    }
}
