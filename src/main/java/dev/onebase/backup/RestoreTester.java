package dev.onebase.backup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import dev.onebase.db.Processes;
import dev.onebase.db.ReplicaId;
import dev.onebase.job.JobContext;

/**
 * Proves the backups: the newest verified snapshot is restored into a scratch database and the newest verified full
 * copy plus the archived WAL into a scratch cluster; the tables must exist, the snapshot's row counts must match
 * those recorded when it was taken, and the configured queries must return true. The time taken is the RTO.
 */
@ApplicationScoped
public class RestoreTester {

    private static final Logger LOG = Logger.getLogger(RestoreTester.class);
    private static final String OPERATION = "restore-test";

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupCatalog catalog;
    private final BackupDirectory directory;
    private final BackupProgress progress;
    private final BackupAlerts alerts;
    private final OffsiteCopies offsite;

    public RestoreTester(BackupConfig config, PgTools tools, BackupCatalog catalog, BackupDirectory directory,
            BackupProgress progress, BackupAlerts alerts, OffsiteCopies offsite) {
        this.offsite = offsite;
        this.config = config;
        this.tools = tools;
        this.catalog = catalog;
        this.directory = directory;
        this.progress = progress;
        this.alerts = alerts;
    }

    /** Which halves run: each follows its backup kind's job being enabled (the full copy one also restore-test.full-copy). */
    public record Halves(boolean snapshot, boolean fullCopy) {

        static Halves of(Config settings, boolean fullCopyTest) {
            return new Halves(enabled(settings, "backup-snapshot"), fullCopyTest && enabled(settings, "backup-full"));
        }

        private static boolean enabled(Config settings, String job) {
            return settings.getOptionalValue("onebase.jobs." + job + ".enabled", Boolean.class).orElse(true);
        }
    }

    public Halves halves() {
        return Halves.of(ConfigProvider.getConfig(), config.restoreTest().fullCopy());
    }

    /** The halves that do not run and why, as the job reports them: "snapshot skipped (...=false)". */
    public List<String> skippedHalves() {
        Halves halves = halves();
        List<String> skipped = new ArrayList<>();
        if (!halves.snapshot()) {
            skipped.add(BackupCatalog.SNAPSHOT + " skipped (not enabled: onebase.jobs.backup-snapshot.enabled=false)");
        }
        if (!halves.fullCopy()) {
            skipped.add(BackupCatalog.FULL + " skipped (not enabled: " + (config.restoreTest().fullCopy()
                    ? "onebase.jobs.backup-full.enabled=false" : "onebase.backup.restore-test.full-copy=false") + ")");
        }
        return skipped;
    }

    /**
     * The restore tests of the backup kinds that are taken; a failure is recorded, alerted and returned, not thrown.
     * With no kind taken there is nothing to test: that is alerted and thrown, never a pass.
     */
    public List<RestoreTestRecord> run(JobContext ctx) {
        Halves halves = halves();
        if (!halves.snapshot() && !halves.fullCopy()) {
            String error = "nothing to test: snapshots and full copies are both turned off";
            alerts.raise("restore-test-failed", BackupCatalog.FULL, null, error);
            throw new BackupException(error);
        }
        BackupTarget t = tools.target();
        String op = "restore-test";
        try (BackupLocks.Held lock = BackupLocks.tryLock(t, op)) {
            if (lock == null) {
                throw new BackupLocks.Busy(op);
            }
            List<RestoreTestRecord> out = new ArrayList<>();
            if (halves.snapshot()) {
                out.add(testSnapshot(t, ctx));
            }
            if (halves.fullCopy()) {
                out.add(testFullCopy(t, ctx));
            }
            return out;
        }
    }

    RestoreTestRecord testSnapshot(BackupTarget t, JobContext ctx) {
        BackupRecord b = catalog.newestVerified(BackupCatalog.SNAPSHOT);
        long id = catalog.beginRestoreTest(b == null ? null : b.id(), BackupCatalog.SNAPSHOT, ReplicaId.current());
        long t0 = System.nanoTime();
        Map<String, Object> checks = new LinkedHashMap<>();
        String scratch = config.restoreTest().database();
        BackupProgress.Reporter progress = this.progress.start(OPERATION, ctx);
        try {
            if (b == null) {
                throw new BackupException("there is no verified snapshot to restore");
            }
            if (!scratch.matches("[a-z_][a-z0-9_]{0,62}") || scratch.equals(t.database())) {
                throw new BackupException("onebase.backup.restore-test.database must be a plain name other than the database: " + scratch);
            }
            progress.phase("create the scratch database", 0, 5);
            try (Connection admin = t.connect("postgres"); Statement st = admin.createStatement()) {
                st.execute("drop database if exists " + scratch + " with (force)");
                st.execute("create database " + scratch);
            }
            // pg_restore refreshes materialized views with row_security off, which the views' owner (subject to
            // forced RLS) may not do; restore everything else, then refresh them in an ordinary session.
            progress.phase("pg_restore", 5, 75);
            Path list = Files.createTempFile("onebase-restore-", ".list");
            Path decrypted = scratchRoot().resolve("onebase-restore-test-" + id);
            try {
                Path dump = BackupCipher.readable(source(b, decrypted.resolve("offsite"), checks), directory.cipher(), decrypted);
                String toc = Processes.command(List.of(tools.tool("pg_restore"), "-l", dump.toString())).named("pg_restore -l")
                        .timeout(config.timeout()).run();
                Files.write(list, toc.lines().filter(line -> !line.contains(" MATERIALIZED VIEW DATA ")).toList());
                List<String> cmd = new ArrayList<>(List.of(tools.tool("pg_restore"), "--exit-on-error", "-j",
                        Integer.toString(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()))), "-L", list.toString(),
                        "-d", scratch));
                cmd.addAll(PgTools.connectionArgs(t));
                cmd.add(dump.toString());
                try (Processes.Running pgRestore = PgTools.client(t, cmd).named("pg_restore").timeout(config.timeout())
                        .cancelledWhen(() -> ctx.cancelled()).start()) {
                    pgRestore.await();
                }
            } finally {
                Files.deleteIfExists(list);
                Artifacts.deleteTree(decrypted);
            }
            progress.phase("refresh materialized views", 75, 80);
            try (Connection c = t.connect(scratch); Statement st = c.createStatement()) {
                List<String> views = new ArrayList<>();
                try (var rs = st.executeQuery("select format('%I.%I', schemaname, matviewname) from pg_matviews")) {
                    while (rs.next()) {
                        views.add(rs.getString(1));
                    }
                }
                for (String view : views) {
                    st.execute("refresh materialized view " + view);
                }
            }
            checks.put("restoreMs", (System.nanoTime() - t0) / 1_000_000);
            progress.phase("check", 80, 100);
            try (Connection c = t.connect(scratch)) {
                verify(c, b.rowCounts(), true, checks, progress);
            }
            return finish(id, BackupCatalog.SNAPSHOT, b.id(), t0, checks, null, progress);
        } catch (Exception e) {
            return finish(id, BackupCatalog.SNAPSHOT, b == null ? null : b.id(), t0, checks, BackupException.messageOf(e), progress);
        } finally {
            try (Connection admin = t.connect("postgres"); Statement st = admin.createStatement()) {
                st.execute("drop database if exists " + scratch + " with (force)");
            } catch (SQLException | RuntimeException e) {
                LOG.warnf("could not drop the scratch database %s: %s", scratch, e.getMessage());
            }
            this.progress.finished(OPERATION);
        }
    }

    RestoreTestRecord testFullCopy(BackupTarget t, JobContext ctx) {
        BackupRecord b = catalog.newestVerified(BackupCatalog.FULL);
        long id = catalog.beginRestoreTest(b == null ? null : b.id(), BackupCatalog.FULL, ReplicaId.current());
        long t0 = System.nanoTime();
        Map<String, Object> checks = new LinkedHashMap<>();
        Path scratch = scratchRoot().resolve("onebase-restore-test-" + id);
        Restorer.Cluster cluster = null;
        BackupProgress.Reporter progress = this.progress.start(OPERATION, ctx);
        try {
            if (b == null) {
                throw new BackupException("there is no verified full copy to restore");
            }
            progress.phase("extract", 0, 30);
            Path data = scratch.resolve("pgdata");
            Path wal = scratch.resolve("wal");
            Path copy = source(b, scratch.resolve("offsite"), checks);
            boolean fromOffsite = !copy.equals(Path.of(b.path()));
            Restorer.extract(copy, data, directory.cipher());
            // the tables that exist now, before the WAL is copied, must all be there after replaying it
            Map<String, Object> tables = new LinkedHashMap<>();
            try (Connection c = t.connect()) {
                Snapshots.tables(c).forEach(table -> tables.put(table, null));
            }
            progress.phase("copy WAL", 30, 40);
            long segmentSize = t.walSegmentSize();
            int segments = fromOffsite
                    ? OffsiteCopies.fetchWal(offsite.store().orElseThrow(), wal, b.startLsn(), segmentSize, directory.cipher())
                    : Restorer.copyWal(directory.wal(), wal, b.startLsn(), segmentSize);
            checks.put("walFiles", segments);
            String walEnd = Restorer.newestCompleteSegmentStart(wal, segmentSize);
            checks.put("walEndLsn", walEnd);
            progress.phase("replay WAL", 40, 85);
            int port = Restorer.freePort();
            Restorer.configureRecovery(data, port, wal, null, null);
            cluster = Restorer.start(tools.binDir(), data, port, wal);
            cluster.awaitProduction(config.timeout());
            checks.put("restoreMs", (System.nanoTime() - t0) / 1_000_000);
            progress.phase("check", 85, 100);
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(t.database()), t.user(), t.password())) {
                String replayed = Jdbc.value(c, "select pg_last_wal_replay_lsn()::text");
                checks.put("replayedToLsn", replayed);
                checks.put("recoveredToLsn", Jdbc.value(c, "select pg_current_wal_lsn()::text"));
                if (replayed == null || walEnd != null && Retention.lsn(replayed) < Retention.lsn(walEnd)) {
                    throw new BackupException("recovery stopped at " + replayed + ", short of the kept WAL, which reaches "
                            + walEnd + " (a missing or damaged WAL segment): " + cluster.logTail());
                }
                try (Connection live = t.connect()) {
                    tables.keySet().removeIf(table -> !Snapshots.exists(live, table)); // dropped since
                }
                verify(c, tables, false, checks, progress);
            }
            return finish(id, BackupCatalog.FULL, b.id(), t0, checks, null, progress);
        } catch (Exception e) {
            return finish(id, BackupCatalog.FULL, b == null ? null : b.id(), t0, checks, BackupException.messageOf(e), progress);
        } finally {
            if (cluster != null) {
                cluster.stop();
            }
            Artifacts.deleteTree(scratch);
            this.progress.finished(OPERATION);
        }
    }

    /**
     * Where the tested backup is read from ({@code restore-test.source}): its path in the backup directory, or a copy
     * downloaded from the off-site bucket into {@code scratch} and checked against the catalog's checksums (with
     * {@code offsite}, or with {@code auto} when the backup's files are gone locally). The full-copy test then reads
     * the WAL from the same place.
     */
    private Path source(BackupRecord b, Path scratch, Map<String, Object> checks) throws java.io.IOException {
        Path local = Path.of(b.path());
        String source = config.restoreTest().source();
        boolean fromOffsite = switch (source) {
            case "local" -> false;
            case "offsite" -> true;
            case "auto" -> !Files.exists(local);
            default -> throw new BackupException("onebase.backup.restore-test.source must be auto, local or offsite: " + source);
        };
        checks.put("source", fromOffsite ? "offsite" : "local");
        if (!fromOffsite) {
            if (!Files.exists(local)) {
                throw new BackupException(local + " is gone (onebase.backup.restore-test.source=local)");
            }
            return local;
        }
        OffsiteStore store = offsite.store().orElseThrow(() -> new BackupException(
                "off-site copies are not configured (onebase.backup.offsite.*)" + (Files.exists(local) ? "" : ", and " + local + " is gone")));
        String key = (BackupCatalog.FULL.equals(b.kind()) ? "full/" : "snapshots/") + local.getFileName();
        checks.put("offsiteKey", key);
        return OffsiteCopies.fetchBackup(store, key, b.checksum(), scratch);
    }

    /**
     * Where a full copy is restored for the test: its server may run as another OS user (when we are root), which
     * cannot enter the private backup directory.
     */
    private Path scratchRoot() {
        return Path.of(config.restoreTest().scratchDir().orElse(System.getProperty("java.io.tmpdir"))).toAbsolutePath();
    }

    /** Tables exist (and, for a snapshot, hold the recorded row counts); the configured queries return true. */
    private void verify(Connection c, Map<String, Object> expected, boolean counts, Map<String, Object> checks,
            BackupProgress.Reporter progress) throws SQLException {
        if (expected == null || expected.isEmpty()) {
            checks.put("tablesChecked", 0);
            throw new BackupException("nothing to test: no table was recorded to compare the restored database with");
        }
        List<String> problems = new ArrayList<>();
        int tables = 0;
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            progress.report(tables, expected.size());
            tables++;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select to_regclass('" + e.getKey().replace("'", "''") + "') is not null")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    problems.add("table " + e.getKey() + " is missing");
                    continue;
                }
            }
            if (counts) {
                long found = Long.parseLong(Jdbc.value(c, "select count(*) from only " + e.getKey()));
                long want = ((Number) e.getValue()).longValue();
                if (found != want) {
                    problems.add(e.getKey() + ": " + found + " rows, " + want + " recorded at backup time");
                }
            }
        }
        checks.put("tablesChecked", tables);
        checks.put("rowCountsChecked", counts);
        List<String> queries = config.restoreTest().queries().orElse(List.of());
        for (String q : queries) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(q)) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    problems.add("verification query was not true: " + q);
                }
            } catch (SQLException e) {
                problems.add("verification query failed: " + q + ": " + e.getMessage());
            }
        }
        checks.put("queriesChecked", queries.size());
        if (!problems.isEmpty()) {
            checks.put("problems", problems);
            throw new BackupException(String.join("; ", problems));
        }
    }

    private RestoreTestRecord finish(long id, String kind, Long backupId, long t0, Map<String, Object> checks, String error,
            BackupProgress.Reporter progress) {
        progress.done();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        catalog.finishRestoreTest(id, error == null, ms, checks, error);
        if (error != null) {
            alerts.raise("restore-test-failed", kind, backupId, error);
        } else {
            LOG.infof("restore test %d of %s %d passed in %d ms", id, kind, backupId, ms);
        }
        RestoreTestRecord done = catalog.restoreTests(50).stream().filter(r -> r.id() == id).findFirst().orElseThrow();
        rememberInDirectory(done);
        return done;
    }

    /** The newest result per kind, also in the backup directory, for {@code backup info} without the database. */
    private void rememberInDirectory(RestoreTestRecord r) {
        Path file = directory.root().resolve(BackupCommand.RESTORE_TESTS);
        try {
            Map<String, Object> newest = Files.exists(file) ? Artifacts.JSON.readValue(file.toFile(), Map.class) : new LinkedHashMap<>();
            newest.put(r.kind(), r);
            Artifacts.privateDirectories(directory.root(), directory.root());
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.write(tmp, Artifacts.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(newest));
            Artifacts.publish(tmp, file);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warnf("could not record the restore test in %s: %s", file, e.getMessage());
        }
    }
}
