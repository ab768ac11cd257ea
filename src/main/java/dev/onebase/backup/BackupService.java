package dev.onebase.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.job.JobContext;

/**
 * Takes backups: snapshots (pg_dump -Fc in the same MVCC snapshot as the row counts recorded beside it) and full
 * copies (pg_basebackup, tar + manifest, checked with pg_verifybackup); every artifact is written under a temporary
 * name, fsynced, checksummed, renamed and recorded; retention runs after each success. All methods block.
 */
@ApplicationScoped
public class BackupService {

    private static final Logger LOG = Logger.getLogger(BackupService.class);
    public static final String SNAPSHOT = "snapshot";
    public static final String FULL = "full";
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern PROGRESS = Pattern.compile("^\\s*(\\d+)/(\\d+) kB");

    /** A backup or restore test in progress on this replica. */
    public record Running(String operation, Instant startedAt, long done, long total) {
    }

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupCatalog catalog;
    private final BackupAlerts alerts;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final String replica = replicaName();

    public BackupService(BackupConfig config, PgTools tools, BackupCatalog catalog, BackupAlerts alerts) {
        this.config = config;
        this.tools = tools;
        this.catalog = catalog;
        this.alerts = alerts;
    }

    public Path root() {
        return Path.of(config.dir()).toAbsolutePath();
    }

    public Path walDir() {
        return root().resolve("wal");
    }

    public String replica() {
        return replica;
    }

    public Map<String, Running> running() {
        return Map.copyOf(running);
    }

    public BackupRecord snapshot(JobContext ctx) {
        return snapshot(tools.target(), root(), ctx);
    }

    public BackupRecord fullCopy(JobContext ctx) {
        return fullCopy(tools.target(), root(), ctx);
    }

    /** Thrown when another replica (or another call) holds the lock of this backup kind: nothing was done. */
    public static class Busy extends BackupException {
        public Busy(String what) {
            super(what + " is already running (on this or another replica)");
        }
    }

    // ---- snapshot ---------------------------------------------------------------------------------------------

    BackupRecord snapshot(BackupTarget t, Path root, JobContext ctx) {
        String op = "backup-" + SNAPSHOT;
        try (BackupLocks.Held lock = lockOrRecordFailure(t, op, SNAPSHOT)) {
            long id = catalog.begin(SNAPSHOT, replica);
            long t0 = System.nanoTime();
            Path dir = root.resolve("snapshots");
            String name = STAMP.format(Instant.now()) + "-" + id;
            Path tmp = dir.resolve("." + name + ".dump.tmp");
            Path target = dir.resolve(name + ".dump");
            track(op, 0, -1, ctx);
            try (Connection c = t.connect()) {
                Files.createDirectories(dir);
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("set transaction isolation level repeatable read, read only");
                }
                String snapshotId = single(c, "select pg_export_snapshot()");
                String startLsn = single(c, "select pg_current_wal_lsn()::text");
                long dbBytes = Long.parseLong(single(c, "select pg_database_size(current_database())"));
                Instant started = Instant.now();
                List<String> cmd = new ArrayList<>(List.of(tools.tool("pg_dump"), "-Fc", "-Z", Integer.toString(config.snapshot().compressLevel()),
                        "--snapshot=" + snapshotId, "-f", tmp.toString()));
                cmd.addAll(PgTools.connectionArgs(t));
                cmd.addAll(List.of("-d", t.database()));
                Process p = PgTools.start(PgTools.client(t, cmd), "pg_dump");
                // counted in the same exported snapshot while pg_dump reads it: the counts match the dump exactly
                Map<String, Long> counts;
                try {
                    counts = rowCounts(c);
                } catch (SQLException e) {
                    p.destroyForcibly();
                    throw e;
                }
                PgTools.await(p, "pg_dump", config.timeout(), () -> ctx.cancelled(), null,
                        () -> track(op, tmp.toFile().length(), -1, ctx));
                c.commit();
                long dumpMs = (System.nanoTime() - t0) / 1_000_000;
                Artifacts.fsync(tmp);
                String checksum = Artifacts.sha256(tmp);
                Artifacts.publish(tmp, target);
                long size = Files.size(target);
                String endLsn = currentLsn(t);
                ArtifactInfo info = new ArtifactInfo(id, SNAPSHOT, started, Instant.now(), startLsn, endLsn, 0, size, checksum,
                        Map.of(target.getFileName().toString(), checksum), counts);
                Artifacts.writeInfo(dir, name + ".json", info);
                long v0 = System.nanoTime();
                String verification = verifySnapshotFile(target, checksum);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String timing = " (pg_dump " + dumpMs + " ms with the row counts alongside, verification " + (System.nanoTime() - v0) / 1_000_000 + " ms)";
                catalog.succeed(id, target.toString(), startLsn, endLsn, size, dbBytes, ms, checksum, verification == null,
                        verification == null ? "checksum ok, pg_restore read the whole archive" + timing : verification, counts);
                if (verification != null) {
                    alerts.raise("backup-verification-failed", SNAPSHOT, id, verification);
                } else {
                    applyRetention();
                }
                LOG.infof("snapshot %d: %s, %d bytes in %d ms", id, target, size, ms);
                return catalog.get(id);
            } catch (Exception e) {
                deleteQuietly(tmp);
                String error = message(e);
                catalog.fail(id, null, (System.nanoTime() - t0) / 1_000_000, error);
                alerts.raise("backup-failed", SNAPSHOT, id, error);
                throw e instanceof BackupException be ? be : new BackupException(error, e);
            } finally {
                running.remove(op);
            }
        }
    }

    /** Exact row counts of every table, in the exported snapshot (so they match the dump). */
    private static Map<String, Long> rowCounts(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
                order by 1""")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        Map<String, Long> counts = new TreeMap<>();
        for (String table : tables) {
            // table names come from pg_class, quoted by format('%I')
            counts.put(table, Long.parseLong(single(c, "select count(*) from only " + table)));
        }
        return counts;
    }

    /** Null when the dump is sound: its checksum matches and pg_restore reads every byte of it. */
    String verifySnapshotFile(Path file, String expectedChecksum) {
        try {
            String actual = Artifacts.sha256(file);
            if (!actual.equals(expectedChecksum)) {
                return "checksum mismatch: expected " + expectedChecksum + ", found " + actual;
            }
            PgTools.run(new ProcessBuilder(tools.tool("pg_restore"), "-f", "/dev/null", file.toString()), "pg_restore (read check)",
                    config.timeout());
            return null;
        } catch (IOException | BackupException e) {
            return message(e);
        }
    }

    // ---- full copy --------------------------------------------------------------------------------------------

    BackupRecord fullCopy(BackupTarget t, Path root, JobContext ctx) {
        String op = "backup-" + FULL;
        try (BackupLocks.Held lock = lockOrRecordFailure(t, op, FULL)) {
            long id = catalog.begin(FULL, replica);
            long t0 = System.nanoTime();
            Path dir = root.resolve("full");
            String name = STAMP.format(Instant.now()) + "-" + id;
            Path tmp = dir.resolve("." + name + ".tmp");
            Path target = dir.resolve(name);
            track(op, 0, -1, ctx);
            try {
                Files.createDirectories(dir);
                long dbBytes;
                try (Connection c = t.connect()) {
                    dbBytes = Long.parseLong(single(c, "select pg_database_size(current_database())"));
                }
                Instant started = Instant.now();
                List<String> cmd = new ArrayList<>(List.of(tools.tool("pg_basebackup"), "-D", tmp.toString(), "-Ft",
                        "-X", "stream", "-c", "fast", "-P", "-l", "onebase-" + id));
                if (!"none".equals(config.full().compress())) {
                    cmd.add("--compress=" + config.full().compress());
                }
                cmd.addAll(PgTools.connectionArgs(t));
                Process p = PgTools.start(PgTools.client(t, cmd), "pg_basebackup");
                PgTools.await(p, "pg_basebackup", config.timeout(), () -> ctx.cancelled(), line -> {
                    Matcher m = PROGRESS.matcher(line);
                    if (m.find()) {
                        track(op, Long.parseLong(m.group(1)) * 1024, Long.parseLong(m.group(2)) * 1024, ctx);
                    }
                });
                long copyMs = (System.nanoTime() - t0) / 1_000_000;
                Map<String, String> files = new TreeMap<>();
                for (Path f : Artifacts.list(tmp)) {
                    Artifacts.fsync(f);
                    files.put(f.getFileName().toString(), Artifacts.sha256(f));
                }
                String checksum = combined(files);
                JsonNode walRange = Artifacts.JSON.readTree(tmp.resolve("backup_manifest").toFile()).path("WAL-Ranges").path(0);
                String startLsn = walRange.path("Start-LSN").asText();
                String endLsn = walRange.path("End-LSN").asText();
                int timeline = walRange.path("Timeline").asInt(1);
                long size = Artifacts.size(tmp);
                ArtifactInfo info = new ArtifactInfo(id, FULL, started, Instant.now(), startLsn, endLsn, timeline, size, checksum,
                        files, Map.of());
                Artifacts.writeInfo(tmp, Artifacts.INFO, info);
                Artifacts.fsync(tmp);
                Artifacts.publish(tmp, target);
                track(op, size, size, ctx);
                long v0 = System.nanoTime();
                String verification = verifyFullCopy(target, root);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String timing = " (pg_basebackup " + copyMs + " ms, verification " + (System.nanoTime() - v0) / 1_000_000 + " ms)";
                catalog.succeed(id, target.toString(), startLsn, endLsn, size, dbBytes, ms, checksum, verification == null,
                        verification == null ? "checksums ok, pg_verifybackup ok" + timing : verification, null);
                if (verification != null) {
                    alerts.raise("backup-verification-failed", FULL, id, verification);
                } else {
                    markVerified(target, true);
                    applyRetention();
                }
                LOG.infof("full copy %d: %s, %d bytes in %d ms", id, target, size, ms);
                return catalog.get(id);
            } catch (Exception e) {
                Artifacts.deleteTree(tmp);
                String error = message(e);
                catalog.fail(id, null, (System.nanoTime() - t0) / 1_000_000, error);
                alerts.raise("backup-failed", FULL, id, error);
                throw e instanceof BackupException be ? be : new BackupException(error, e);
            } finally {
                running.remove(op);
            }
        }
    }

    static String combined(Map<String, String> files) {
        StringBuilder sb = new StringBuilder();
        files.forEach((n, h) -> sb.append(n).append(':').append(h).append('\n'));
        return Artifacts.hex(Artifacts.sha256().digest(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Null when every file matches its checksum and pg_verifybackup accepts the extracted copy. */
    String verifyFullCopy(Path backupDir, Path scratchParent) {
        List<String> problems = new ArrayList<>();
        Path scratch = null;
        try {
            ArtifactInfo info = Artifacts.readInfo(backupDir.resolve(Artifacts.INFO));
            for (Map.Entry<String, String> f : info.files().entrySet()) {
                Path file = backupDir.resolve(f.getKey());
                if (!Files.exists(file)) {
                    problems.add(f.getKey() + " is missing");
                } else if (!Artifacts.sha256(file).equals(f.getValue())) {
                    problems.add("checksum mismatch in " + f.getKey());
                }
            }
            Files.createDirectories(scratchParent);
            scratch = Files.createTempDirectory(scratchParent, ".verify-");
            Path data = scratch.resolve("data");
            Restorer.extract(backupDir, data);
            PgTools.run(new ProcessBuilder(tools.tool("pg_verifybackup"), "-m", backupDir.resolve("backup_manifest").toString(),
                    data.toString()), "pg_verifybackup", config.timeout());
        } catch (IOException | BackupException e) {
            problems.add(message(e));
        } finally {
            Artifacts.deleteTree(scratch);
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** Checks an existing backup again (checksums and the tool's read), recording the outcome. */
    public BackupRecord verify(long id) {
        BackupRecord r = catalog.get(id);
        if (r == null || r.path() == null || "deleted".equals(r.status())) {
            throw new BackupException("backup " + id + " has no artifact to verify");
        }
        Path path = Path.of(r.path());
        String problem = SNAPSHOT.equals(r.kind()) ? verifySnapshotFile(path, r.checksum()) : verifyFullCopy(path, root());
        catalog.setVerification(id, problem == null, problem == null ? "verified again at " + Instant.now() : problem);
        if (FULL.equals(r.kind())) {
            markVerified(path, problem == null);
        }
        if (problem != null) {
            alerts.raise("backup-verification-failed", r.kind(), id, problem);
        }
        return catalog.get(id);
    }

    /** The marker point-in-time recovery looks for: a full copy it may start from (checked, not just written). */
    static void markVerified(Path fullCopyDir, boolean verified) {
        try {
            Path marker = fullCopyDir.resolve(Artifacts.VERIFIED);
            if (verified) {
                Files.writeString(marker, Instant.now() + "\n");
                Artifacts.fsync(marker);
            } else {
                Files.deleteIfExists(marker);
            }
        } catch (IOException e) {
            LOG.warnf("cannot mark %s: %s", fullCopyDir, e.getMessage());
        }
    }

    // ---- retention --------------------------------------------------------------------------------------------

    /** Applies the retention policy to the catalog and the files; returns the ids deleted. */
    public synchronized List<Long> applyRetention() {
        catalog.failStale(config.timeout().toSeconds() + 3600);
        List<BackupRecord> live = catalog.live();
        List<Retention.Item> items = live.stream().map(r -> new Retention.Item(r.id(), r.kind(), r.startedAt().toInstant(),
                r.verified() && "succeeded".equals(r.status()), r.startLsn())).toList();
        Retention.Decision d = Retention.decide(items, new Retention.Policy(config.retention().daily(),
                config.retention().weekly(), config.retention().monthly()), ZoneOffset.UTC);
        List<Long> deleted = new ArrayList<>();
        for (BackupRecord r : live) {
            if (d.delete().contains(r.id())) {
                if (r.path() != null) {
                    Path p = Path.of(r.path());
                    Artifacts.deleteTree(p);
                    if (SNAPSHOT.equals(r.kind())) {
                        deleteQuietly(p.resolveSibling(p.getFileName().toString().replace(".dump", ".json")));
                    }
                }
                catalog.markDeleted(r.id());
                deleted.add(r.id());
            }
        }
        if (d.walKeepFromLsn() != null) {
            try {
                long segSize = segmentSize(tools.target());
                for (Path f : Artifacts.list(walDir())) {
                    if (Retention.walDeletable(f.getFileName().toString(), d.walKeepFromLsn(), segSize)) {
                        Files.deleteIfExists(f);
                    }
                }
            } catch (IOException | SQLException | RuntimeException e) {
                LOG.warnf("WAL retention skipped: %s", e.getMessage());
            }
        }
        if (!deleted.isEmpty()) {
            LOG.infof("retention deleted backups %s; WAL kept from %s", deleted, d.walKeepFromLsn());
        }
        return deleted;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private BackupLocks.Held lockOrRecordFailure(BackupTarget t, String op, String kind) {
        BackupLocks.Held lock;
        try {
            lock = BackupLocks.tryLock(t, op);
        } catch (BackupException e) {
            long id = catalog.begin(kind, replica);
            catalog.fail(id, null, 0, e.getMessage());
            alerts.raise("backup-failed", kind, id, e.getMessage());
            throw e;
        }
        if (lock == null) {
            throw new Busy(op);
        }
        return lock;
    }

    void track(String op, long done, long total, JobContext ctx) {
        running.compute(op, (k, old) -> new Running(op, old == null ? Instant.now() : old.startedAt(), done, total));
        if (ctx != null) {
            ctx.progress(done, total);
        }
    }

    void untrack(String op) {
        running.remove(op);
    }

    static long segmentSize(BackupTarget t) throws SQLException {
        try (Connection c = t.connect()) {
            return Long.parseLong(single(c, "select setting from pg_settings where name = 'wal_segment_size'"));
        }
    }

    static String currentLsn(BackupTarget t) throws SQLException {
        try (Connection c = t.connect()) {
            return single(c, "select pg_current_wal_lsn()::text");
        }
    }

    static String single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left for the next retention run
        }
    }

    private static String replicaName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown";
            }
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /** A small JobContext for work started from the admin API or a test. */
    public static JobContext manual() {
        return new JobContext() {
            @Override
            public long runId() {
                return 0;
            }

            @Override
            public String replica() {
                return "manual";
            }

            @Override
            public boolean cancelled() {
                return false;
            }

            @Override
            public void progress(long done, long total) {
                // the service's own tracker shows it in the admin API
            }
        };
    }
}
