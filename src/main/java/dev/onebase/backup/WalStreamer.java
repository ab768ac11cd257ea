package dev.onebase.backup;

import java.nio.file.Files;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
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

    /** The server's WAL position at a moment: once flushed, everything up to that moment is in the archive. */
    private record Sample(Instant at, long lsn) {
    }

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupDirectory directory;
    private final BackupAlerts alerts;
    private final AtomicInteger restarts = new AtomicInteger();
    private final Deque<Sample> samples = new ArrayDeque<>();
    private volatile Instant coveredUntil = Instant.now();
    private volatile boolean anotherReplicaStreams;
    private volatile boolean staleAlerted;
    private volatile boolean wanted;
    private volatile Processes.Running process;
    private volatile Thread supervisor;
    private volatile boolean stopping;
    private volatile boolean holdsLock;
    private volatile long lagBytes = -1;
    private volatile String flushedLsn;
    private volatile String lastError;

    public WalStreamer(BackupConfig config, PgTools tools, BackupDirectory directory, BackupAlerts alerts) {
        this.config = config;
        this.tools = tools;
        this.directory = directory;
        this.alerts = alerts;
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
        wanted = true;
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

    /**
     * Seconds since the newest moment whose WAL is known to be in the archive (counted from service start until
     * pg_receivewal first catches up); 0 while another replica streams; NaN when streaming is turned off (and was never started).
     */
    public double walAgeSeconds(Instant now) {
        if (!wanted && !config.wal().enabled()) {
            return Double.NaN;
        }
        return anotherReplicaStreams ? 0 : Math.max(0, Duration.between(coveredUntil, now).toMillis() / 1000.0);
    }

    /** Alerts once when the streamed WAL grows older than {@code wal.max-age}, and again after it has recovered. */
    public void alertIfStale(Instant now) {
        double age = walAgeSeconds(now);
        if (Double.isNaN(age) || age <= config.wal().maxAge().toSeconds()) {
            staleAlerted = false;
        } else if (!staleAlerted) {
            staleAlerted = true;
            alerts.raise("wal-stale", "wal", null, "the newest streamed WAL is " + Math.round(age) + " s old (bound "
                    + config.wal().maxAge() + "): " + (lastError == null ? "pg_receivewal is not keeping up" : lastError));
        }
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
                    anotherReplicaStreams = true;
                    sleep(config.wal().maxBackoff());
                    continue;
                }
                holdsLock = true;
                anotherReplicaStreams = false;
                Artifacts.privateDirectories(directory.root(), directory.wal());
                createSlot(t);
                while (!stopping && lock.alive()) {
                    long startedAt = System.nanoTime();
                    completePreallocation(directory.wal(), segmentSize(lock));
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

    /**
     * pg_receivewal fills a new {@code .partial} segment with zeros to its full size before it writes WAL into it, and
     * refuses to start on a {@code .partial} of any other size than 0 or a whole segment. A receiver killed while it was
     * filling (SIGKILL, an OOM kill, a node going down) left such a file, and every restart then failed the same way, for
     * good. Finishing the fill is what pg_receivewal would have done; it streams a partial segment again from its start.
     */
    static void completePreallocation(java.nio.file.Path wal, long segmentSize) throws java.io.IOException {
        if (!Files.isDirectory(wal)) {
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = Files.list(wal)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files.filter(x -> x.getFileName().toString().endsWith(".partial"))::iterator) {
                long size = Files.size(f);
                if (size != 0 && size < segmentSize) {
                    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                        ch.write(java.nio.ByteBuffer.allocate(1), segmentSize - 1);
                        ch.force(true);
                    }
                    LOG.warnf("%s had %d bytes of a %d-byte segment (pg_receivewal stopped while filling it): filled with zeros",
                            f.getFileName(), size, segmentSize);
                }
            }
        }
    }

    private static long segmentSize(BackupLocks.Held lock) throws SQLException {
        try (PreparedStatement ps = lock.connection().prepareStatement("select pg_size_bytes(current_setting('wal_segment_size'))");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
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
        try (PreparedStatement current = lock.connection().prepareStatement("select pg_current_wal_lsn()::text");
                ResultSet rs = current.executeQuery()) {
            rs.next();
            samples.addLast(new Sample(Instant.now(), Retention.lsn(rs.getString(1))));
            if (samples.size() > 3600) {
                samples.removeFirst(); // a later sample, once flushed, covers it
            }
        } catch (SQLException e) {
            lastError = "reading the WAL position: " + e.getMessage();
        }
        try (PreparedStatement ps = lock.connection().prepareStatement("""
                select pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::bigint, flush_lsn::text
                from pg_stat_replication where application_name = ? order by flush_lsn desc nulls last limit 1""")) {
            ps.setString(1, APPLICATION_NAME);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(2) != null) {
                    lagBytes = rs.getLong(1);
                    flushedLsn = rs.getString(2);
                    long flushed = Retention.lsn(flushedLsn);
                    while (!samples.isEmpty() && samples.peekFirst().lsn() <= flushed) {
                        coveredUntil = samples.removeFirst().at();
                    }
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
