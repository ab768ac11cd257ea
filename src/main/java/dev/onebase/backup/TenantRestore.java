package dev.onebase.backup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.onebase.tenant.TenantExporter;
import dev.onebase.tenant.TenantExports;
import dev.onebase.tenant.TenantImporter;
import dev.onebase.tenant.TenantRestorer;
import dev.onebase.web.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One tenant back to a point in time, the others untouched: the newest verified full copy that finished before the
 * target plus the WAL kept since are recovered to that moment into a scratch cluster ({@link PitrCommand#recover},
 * the same as {@code pitr}), the tenant is exported from it (its own snapshot there, {@link TenantExporter}, over the
 * backup role since the scratch cluster has the same roles), the scratch cluster is stopped and removed, and the
 * archive is imported into the live database in one transaction: {@code replace} puts it in place of the tenant's
 * data (its row, API keys and S3 keys stay; unlogged tables, the cache, are not in the WAL and stay as they are live),
 * {@code new} makes it a new tenant beside the live one. Each run is recorded in {@code tenant_restores} with its
 * phase, percent, outcome and duration; one runs at a time per replica.
 */
@ApplicationScoped
public class TenantRestore implements TenantRestorer {

    private static final Logger LOG = Logger.getLogger(TenantRestore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterForReflection
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "TenantRestoreRun")
    public record Run(long id, UUID tenant, OffsetDateTime targetTime, String mode, UUID newTenant, String status, String phase,
            int percent, Long backupId, Object rows, String error, OffsetDateTime startedAt, OffsetDateTime finishedAt,
            Long durationMs) {
    }

    private final PgTools tools;
    private final BackupDirectory directory;
    private final BackupConfig config;
    private final TenantExports exports;
    private final AtomicBoolean running = new AtomicBoolean();

    public TenantRestore(PgTools tools, BackupDirectory directory, BackupConfig config, TenantExports exports) {
        this.tools = tools;
        this.directory = directory;
        this.config = config;
        this.exports = exports;
    }

    /** Starts a restore of {@code tenant} to {@code time} on a thread of its own and returns its record. */
    @Override
    public Run start(UUID tenant, Instant time, String mode, String slug) {
        if (!mode.equals("replace") && !mode.equals("new")) {
            throw ProblemException.badRequest("mode must be replace or new");
        }
        if (time.isAfter(Instant.now())) {
            throw ProblemException.badRequest("time is in the future: " + time);
        }
        if (!exports.exists(tenant)) {
            throw ProblemException.notFound("No tenant " + tenant);
        }
        if (!running.compareAndSet(false, true)) {
            throw ProblemException.conflict("A tenant restore is already running on this replica");
        }
        try {
            long id;
            try (Connection c = exports.connect(); PreparedStatement st = c.prepareStatement(
                    "insert into tenant_restores (tenant, target_time, mode) values (?, ?, ?) returning id")) {
                st.setObject(1, tenant);
                st.setObject(2, time.atOffset(ZoneOffset.UTC));
                st.setString(3, mode);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            Thread t = new Thread(() -> run(id, tenant, time, mode, slug), "onebase-tenant-restore-" + id);
            t.setDaemon(true);
            t.start();
            return get(id);
        } catch (SQLException | RuntimeException e) {
            running.set(false);
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private void run(long id, UUID tenant, Instant time, String mode, String slug) {
        long started = System.nanoTime();
        Path scratch = null;
        Path archive = null;
        try {
            Path root = Path.of(config.restoreTest().scratchDir().orElse(System.getProperty("java.io.tmpdir"))).toAbsolutePath();
            Files.createDirectories(root);
            scratch = Files.createTempDirectory(root, "onebase-tenant-restore-");
            archive = Files.createTempFile(root, "onebase-tenant-restore-", ".tar");
            progress(id, "recover the newest full copy and WAL to " + time, 5, null);
            PitrCommand.Result r = null;
            for (int attempt = 1; r == null; attempt++) {
                try {
                    r = PitrCommand.recover(time, scratch, directory.root(), tools.binDir(), Restorer.freePort(), config.timeout(),
                            directory.cipher());
                } catch (NoSuchFileException e) {
                    // pg_receivewal, streaming meanwhile, completed its .partial segment (renamed it) while the WAL was
                    // being copied: the complete segment is there now, so the copy succeeds when it runs again
                    if (attempt == 3 || e.getFile() == null || !e.getFile().endsWith(".partial")) {
                        throw e;
                    }
                    LOG.warnf("restore of tenant %s: WAL segment %s was completed while being copied; recovering again", tenant,
                            e.getFile());
                    Artifacts.deleteTree(scratch);
                    scratch = Files.createTempDirectory(root, "onebase-tenant-restore-");
                }
            }
            progress(id, "export the tenant from the recovered cluster", 50, r.backupId());
            BackupTarget t = tools.target();
            try (Connection c = DriverManager.getConnection(r.cluster().jdbcUrl(t.database()), t.user(), t.password());
                    OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive), 1 << 16)) {
                new TenantExporter(root).export(c, tenant, out);
            } catch (ProblemException e) {
                throw new BackupException("the tenant did not exist at " + time);
            } finally {
                r.cluster().stop();
                Artifacts.deleteTree(scratch);
                scratch = null;
            }
            progress(id, mode.equals("replace") ? "replace the tenant's data" : "import as a new tenant", 75, null);
            TenantImporter.Result imported;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
                imported = exports.importArchive(in, mode.equals("replace")
                        ? new TenantImporter.Options(TenantImporter.Mode.REPLACE, tenant, null, true)
                        : new TenantImporter.Options(TenantImporter.Mode.NEW, null, slug, false));
            }
            finish(id, "succeeded", null, imported.rows(), mode.equals("new") ? imported.tenantId() : null, started);
            LOG.infof("tenant %s restored to %s (%s) in %d ms", tenant, time, mode, (System.nanoTime() - started) / 1_000_000);
        } catch (Exception e) {
            String why = e instanceof ProblemException p ? p.getMessage() : e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf(e, "restore of tenant %s to %s failed", tenant, time);
            finish(id, "failed", why, null, null, started);
        } finally {
            if (scratch != null) {
                try {
                    Artifacts.deleteTree(scratch);
                } catch (Exception ignored) {
                    // best effort
                }
            }
            if (archive != null) {
                try {
                    Files.deleteIfExists(archive);
                } catch (Exception ignored) {
                    // best effort
                }
            }
            running.set(false);
        }
    }

    private void progress(long id, String phase, int percent, Long backupId) {
        update("update tenant_restores set phase = ?, percent = greatest(percent, ?), backup_id = coalesce(?, backup_id) where id = ?",
                phase, percent, backupId, id);
    }

    private void finish(long id, String status, String error, Map<String, Long> rows, UUID newTenant, long started) {
        try {
            update("""
                    update tenant_restores set status = ?, error = ?, rows = ?::jsonb, new_tenant = ?, phase = 'done',
                           percent = case when ? = 'succeeded' then 100 else percent end,
                           finished_at = now(), duration_ms = ? where id = ?
                    """, status, error, rows == null ? null : JSON.writeValueAsString(rows), newTenant, status,
                    (System.nanoTime() - started) / 1_000_000, id);
        } catch (Exception e) {
            LOG.errorf(e, "could not record the end of tenant restore %d", id);
        }
    }

    private void update(String sql, Object... args) {
        try (Connection c = exports.connect(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the tenant restore: " + e.getMessage(), e);
        }
    }

    private static final String COLUMNS = """
            select id, tenant, target_time, mode, new_tenant, status, phase, percent, backup_id, rows::text, error,
                   started_at, finished_at, duration_ms from tenant_restores
            """;

    public Run get(long id) {
        List<Run> found = query(COLUMNS + " where id = ?", id);
        if (found.isEmpty()) {
            throw ProblemException.notFound("No tenant restore " + id);
        }
        return found.get(0);
    }

    public List<Run> list(int limit) {
        return query(COLUMNS + " order by id desc limit ?", limit);
    }

    private List<Run> query(String sql, Object arg) {
        List<Run> runs = new ArrayList<>();
        try (Connection c = exports.connect(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setObject(1, arg);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Object rows = rs.getString(10) == null ? null : JSON.readValue(rs.getString(10), Map.class);
                    runs.add(new Run(rs.getLong(1), rs.getObject(2, UUID.class), odt(rs.getTimestamp(3)), rs.getString(4),
                            rs.getObject(5, UUID.class), rs.getString(6), rs.getString(7), rs.getInt(8),
                            (Long) rs.getObject(9), rows, rs.getString(11), odt(rs.getTimestamp(12)), odt(rs.getTimestamp(13)),
                            (Long) rs.getObject(14)));
                }
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("cannot read tenant restores: " + e.getMessage(), e);
        }
        return runs;
    }

    private static OffsetDateTime odt(Timestamp t) {
        return t == null ? null : t.toInstant().atOffset(ZoneOffset.UTC);
    }
}
