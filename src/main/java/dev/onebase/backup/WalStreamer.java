package dev.onebase.backup;

import java.nio.file.Files;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.onebase.db.Processes;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Continuous WAL: pg_receivewal on a physical replication slot, started and watched by the service. One replica
 * streams (it holds the {@code wal-stream} advisory lock); when pg_receivewal exits it is started again after a
 * back-off that doubles up to the maximum and resets after a minute of healthy streaming. Lag is the distance from
 * the server's current WAL position to what pg_receivewal has flushed.
 */
@ApplicationScoped
public class WalStreamer {

    private static final Logger LOG = Logger.getLogger(WalStreamer.class);
    static final String APPLICATION_NAME = "onebase-wal";

    public record Status(boolean enabled, boolean running, boolean holdsLock, Long pid, int restarts, long lagBytes,
            String flushedLsn, String lastError, String directory, String slot) {
    }

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupDirectory directory;
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile Processes.Running process;
    private volatile Thread supervisor;
    private volatile boolean stopping;
    private volatile boolean holdsLock;
    private volatile long lagBytes = -1;
    private volatile String flushedLsn;
    private volatile String lastError;

    public WalStreamer(BackupConfig config, PgTools tools, BackupDirectory directory) {
        this.config = config;
        this.tools = tools;
        this.directory = directory;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.wal().enabled()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    public synchronized void start() {
        if (supervisor != null && supervisor.isAlive()) {
            return;
        }
        stopping = false;
        supervisor = new Thread(this::supervise, "onebase-wal-stream");
        supervisor.setDaemon(true);
        supervisor.start();
    }

    public synchronized void stop() {
        stopping = true;
        Thread s = supervisor;
        Processes.Running p = process;
        if (p != null) {
            p.process().destroy();
        }
        if (s != null) {
            s.interrupt();
            try {
                s.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        supervisor = null;
        holdsLock = false;
    }

    public Status status() {
        Process p = process();
        boolean alive = p != null && p.isAlive();
        return new Status(config.wal().enabled(), alive, holdsLock, alive ? p.pid() : null, restarts.get(), lagBytes, flushedLsn,
                lastError, directory.wal().toString(), config.wal().slot());
    }

    public long lagBytes() {
        return lagBytes;
    }

    public int restarts() {
        return restarts.get();
    }

    /** The running pg_receivewal, if any. */
    public Process process() {
        Processes.Running p = process;
        return p == null ? null : p.process();
    }

    private void supervise() {
        Duration backoff = config.wal().minBackoff();
        while (!stopping) {
            BackupTarget t;
            try {
                t = tools.target();
            } catch (RuntimeException e) {
                lastError = e.getMessage();
                sleep(config.wal().maxBackoff());
                continue;
            }
            try (BackupLocks.Held lock = BackupLocks.tryLock(t, "wal-stream")) {
                if (lock == null) {
                    holdsLock = false;
                    sleep(config.wal().maxBackoff());
                    continue;
                }
                holdsLock = true;
                Files.createDirectories(directory.wal());
                createSlot(t);
                while (!stopping && lock.alive()) {
                    long startedAt = System.nanoTime();
                    Processes.Running p = startReceiver(t);
                    process = p;
                    while (!stopping && !p.waitFor(Duration.ofSeconds(1))) {
                        updateLag(lock);
                    }
                    if (stopping) {
                        break;
                    }
                    restarts.incrementAndGet();
                    lastError = "pg_receivewal exited (" + p.exitValue() + "): " + String.join(" | ", p.lastLines(5));
                    LOG.warnf("%s; restarting in %s", lastError, backoff);
                    if (System.nanoTime() - startedAt > Duration.ofMinutes(1).toNanos()) {
                        backoff = config.wal().minBackoff();
                    }
                    sleep(backoff);
                    backoff = min(backoff.multipliedBy(2), config.wal().maxBackoff());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                lastError = BackupException.messageOf(e);
                LOG.warnf("WAL streaming: %s; retrying in %s", lastError, backoff);
                sleep(backoff);
                backoff = min(backoff.multipliedBy(2), config.wal().maxBackoff());
            } finally {
                holdsLock = false;
                Processes.Running p = process;
                if (p != null) {
                    p.close();
                }
            }
        }
    }

    private void createSlot(BackupTarget t) {
        List<String> cmd = new ArrayList<>(List.of(tools.tool("pg_receivewal"), "--create-slot", "--if-not-exists",
                "--slot=" + config.wal().slot(), "-d", connString(t), "-w"));
        PgTools.client(t, cmd).named("pg_receivewal --create-slot").timeout(Duration.ofMinutes(2)).run();
    }

    private Processes.Running startReceiver(BackupTarget t) {
        List<String> cmd = new ArrayList<>(List.of(tools.tool("pg_receivewal"), "-D", directory.wal().toString(),
                "--slot=" + config.wal().slot(), "--synchronous", "-n", "-w", "-d", connString(t)));
        Processes.Running p = PgTools.client(t, cmd).named("pg_receivewal").start();
        LOG.infof("pg_receivewal streaming into %s (pid %d, slot %s)", directory.wal(), p.process().pid(), config.wal().slot());
        return p;
    }

    private static String connString(BackupTarget t) {
        return "host=" + t.host() + " port=" + t.port() + " user=" + t.user() + " application_name=" + APPLICATION_NAME;
    }

    private void updateLag(BackupLocks.Held lock) {
        try (PreparedStatement ps = lock.connection().prepareStatement("""
                select pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::bigint, flush_lsn::text
                from pg_stat_replication where application_name = ? order by flush_lsn desc nulls last limit 1""")) {
            ps.setString(1, APPLICATION_NAME);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(2) != null) {
                    lagBytes = rs.getLong(1);
                    flushedLsn = rs.getString(2);
                } else {
                    lagBytes = -1;
                }
            }
        } catch (SQLException e) {
            lagBytes = -1;
        }
    }

    /** Blocks until pg_receivewal has flushed {@code lsn} (for tests and the PITR hand-over); false on timeout. */
    public boolean awaitFlushed(String lsn, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String f = flushedLsn;
            if (f != null && Retention.lsn(f) >= Retention.lsn(lsn)) {
                return true;
            }
            sleep(Duration.ofMillis(200));
        }
        return false;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = stopping || supervisor == null;
        }
    }
}
