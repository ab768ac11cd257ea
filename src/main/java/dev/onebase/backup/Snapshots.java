package dev.onebase.backup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupRecorder.Attempt;
import dev.onebase.backup.BackupRecorder.Taken;
import dev.onebase.db.Processes;
import dev.onebase.job.JobContext;

/**
 * Snapshots: a logical dump ({@code pg_dump -Fc}) in the same MVCC snapshot as the exact row count of every table,
 * counted while pg_dump runs and recorded beside it, so a restore test can compare them. Written as
 * {@code snapshots/NAME.dump} with {@code NAME.json} beside it. Blocks.
 */
@ApplicationScoped
public class Snapshots {

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupRecorder recorder;
    private final BackupDirectory directory;

    public Snapshots(BackupConfig config, PgTools tools, BackupRecorder recorder, BackupDirectory directory) {
        this.config = config;
        this.tools = tools;
        this.recorder = recorder;
        this.directory = directory;
    }

    public BackupRecord take(JobContext ctx) {
        return recorder.record(BackupCatalog.SNAPSHOT, ctx, this::dump);
    }

    BackupRecord take(BackupTarget t, Path root, JobContext ctx) {
        return recorder.record(t, root, BackupCatalog.SNAPSHOT, ctx, this::dump);
    }

    private Taken dump(Attempt a) throws Exception {
        long t0 = System.nanoTime();
        BackupTarget t = a.target();
        Path dir = a.root().resolve("snapshots");
        Path tmp = a.temporary(dir.resolve("." + a.name() + ".dump.tmp"));
        Path target = dir.resolve(a.name() + ".dump");
        String startLsn;
        long dbBytes;
        Instant started;
        Map<String, Long> counts;
        try (Connection c = t.connect()) {
            Artifacts.privateDirectories(a.root(), dir);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("set transaction isolation level repeatable read, read only");
            }
            String snapshotId = Jdbc.value(c, "select pg_export_snapshot()");
            startLsn = Jdbc.value(c, "select pg_current_wal_lsn()::text");
            dbBytes = Long.parseLong(Jdbc.value(c, "select pg_database_size(current_database())"));
            started = Instant.now();
            long estimate = dbBytes; // the compressed dump is smaller: the estimate never overshoots
            List<String> cmd = new ArrayList<>(List.of(tools.tool("pg_dump"), "-Fc", "-Z",
                    Integer.toString(config.snapshot().compressLevel()), "--snapshot=" + snapshotId, "-f", tmp.toString()));
            cmd.addAll(PgTools.connectionArgs(t));
            cmd.addAll(List.of("-d", t.database()));
            try (Processes.Running pgDump = PgTools.client(t, cmd).named("pg_dump").timeout(config.timeout())
                    .cancelledWhen(a::cancelled).whileRunning(() -> a.progress().report(tmp.toFile().length(), estimate)).start()) {
                // counted in the same exported snapshot while pg_dump reads it: the counts match the dump exactly
                counts = rowCounts(c);
                pgDump.await();
            }
            c.commit();
        }
        long dumpMs = BackupRecorder.millisSince(t0);
        if (directory.cipher().isPresent()) {
            directory.cipher().get().encryptInPlace(tmp);
        }
        Artifacts.fsync(tmp);
        String checksum = Artifacts.sha256(tmp);
        Artifacts.publish(tmp, target);
        long size = Files.size(target);
        String endLsn = t.currentLsn();
        Artifacts.writeInfo(dir, a.name() + ".json", new ArtifactInfo(a.id(), BackupCatalog.SNAPSHOT, started, Instant.now(),
                startLsn, endLsn, 0, size, checksum, Map.of(target.getFileName().toString(), checksum), counts));
        return new Taken(target, startLsn, endLsn, size, dbBytes, checksum, counts,
                "pg_dump " + dumpMs + " ms with the row counts alongside");
    }

    /** Exact row counts of every table, in the exported snapshot (so they match the dump). */
    private static Map<String, Long> rowCounts(Connection c) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        for (String table : tables(c)) {
            // table names come from pg_class, quoted by format('%I')
            counts.put(table, Long.parseLong(Jdbc.value(c, "select count(*) from only " + table)));
        }
        return counts;
    }

    /** Every table of the database, schema-qualified and quoted ({@code format('%I.%I')}). */
    static List<String> tables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
                order by 1""")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    /** Whether {@code table} (as {@link #tables} names it) exists in the database of {@code c}. */
    static boolean exists(Connection c, String table) {
        try (var ps = c.prepareStatement("select to_regclass(?) is not null")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new BackupException("cannot look up table " + table + ": " + e.getMessage(), e);
        }
    }
}
