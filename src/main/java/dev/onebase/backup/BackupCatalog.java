package dev.onebase.backup;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The catalog tables (backups, restore_tests) over the request pool. Backup work is blocking and runs on worker
 * threads, so these methods block too: never call them on the event loop.
 */
@ApplicationScoped
public class BackupCatalog {

    /** The kinds of backup ({@code backups.kind}, {@code restore_tests.kind}). */
    public static final String SNAPSHOT = "snapshot";
    public static final String FULL = "full";

    private static final String BACKUP_COLUMNS = """
            id, kind, status, path, replica, started_at, finished_at, start_lsn::text, end_lsn::text, size_bytes,
            database_bytes, duration_ms, checksum, verified, verification, row_counts, error""";

    public record BackupRecord(long id, String kind, String status, String path, String replica, OffsetDateTime startedAt,
            OffsetDateTime finishedAt, String startLsn, String endLsn, Long sizeBytes, Long databaseBytes, Long durationMs,
            String checksum, boolean verified, String verification, Map<String, Object> rowCounts, String error) {
    }

    public record RestoreTestRecord(long id, Long backupId, String kind, String status, String replica,
            OffsetDateTime startedAt, OffsetDateTime finishedAt, Long durationMs, Map<String, Object> checks, String error) {
    }

    private final Pool pool;

    public BackupCatalog(Pool pool) {
        this.pool = pool;
    }

    public long begin(String kind, String replica) {
        return pool.preparedQuery("insert into backups (kind, status, replica) values ($1, 'running', $2) returning id")
                .execute(Tuple.of(kind, replica)).await().indefinitely().iterator().next().getLong(0);
    }

    public void succeed(long id, String path, String startLsn, String endLsn, long size, long dbBytes, long durationMs,
            String checksum, boolean verified, String verification, Map<String, Long> rowCounts) {
        pool.preparedQuery("""
                update backups set status = $2, path = $3, start_lsn = $4::pg_lsn, end_lsn = $5::pg_lsn, size_bytes = $6,
                    database_bytes = $7, duration_ms = $8, checksum = $9, verified = $10, verification = $11,
                    row_counts = $12, finished_at = now(), error = case when $10 then null else $11 end
                where id = $1""")
                .execute(Tuple.from(List.of(id, verified ? "succeeded" : "failed", path, startLsn, endLsn, size, dbBytes,
                        durationMs, checksum, verified, verification,
                        rowCounts == null ? new JsonObject() : new JsonObject(Map.copyOf(rowCounts)))))
                .await().indefinitely();
    }

    public void fail(long id, String path, long durationMs, String error) {
        pool.preparedQuery("""
                update backups set status = 'failed', path = $2, duration_ms = $3, error = $4, verified = false,
                    finished_at = now() where id = $1""")
                .execute(Tuple.of(id, path, durationMs, error)).await().indefinitely();
    }

    public void setVerification(long id, boolean verified, String verification) {
        pool.preparedQuery("""
                update backups set verified = $2, verification = $3,
                    status = case when status = 'deleted' then status when $2 then 'succeeded' else 'failed' end,
                    error = case when $2 then null else $3 end where id = $1""")
                .execute(Tuple.of(id, verified, verification)).await().indefinitely();
    }

    /** Rows left 'running' by a replica that died mid-backup, past the timeout: failed, so nothing waits on them. */
    public void failStale(long timeoutSeconds) {
        pool.preparedQuery("""
                update backups set status = 'failed', error = 'interrupted: the replica stopped while it ran', finished_at = now()
                where status = 'running' and started_at < now() - make_interval(secs => $1)""")
                .execute(Tuple.of((double) timeoutSeconds)).await().indefinitely();
        pool.preparedQuery("""
                update restore_tests set status = 'failed', error = 'interrupted: the replica stopped while it ran', finished_at = now()
                where status = 'running' and started_at < now() - make_interval(secs => $1)""")
                .execute(Tuple.of((double) timeoutSeconds)).await().indefinitely();
    }

    public void markDeleted(long id) {
        pool.preparedQuery("update backups set status = 'deleted' where id = $1").execute(Tuple.of(id)).await().indefinitely();
    }

    public List<BackupRecord> list(String kind, int limit) {
        String sql = "select " + BACKUP_COLUMNS + " from backups where ($1::text is null or kind = $1) order by id desc limit $2";
        List<BackupRecord> out = new ArrayList<>();
        pool.preparedQuery(sql).execute(Tuple.of(kind, limit)).await().indefinitely().forEach(r -> out.add(backup(r)));
        return out;
    }

    public BackupRecord get(long id) {
        var rows = pool.preparedQuery("select " + BACKUP_COLUMNS + " from backups where id = $1").execute(Tuple.of(id))
                .await().indefinitely();
        return rows.size() == 0 ? null : backup(rows.iterator().next());
    }

    /** Every backup whose files may still exist, for retention. */
    public List<BackupRecord> live() {
        List<BackupRecord> out = new ArrayList<>();
        pool.preparedQuery("select " + BACKUP_COLUMNS + " from backups where status in ('succeeded', 'failed') order by id")
                .execute().await().indefinitely().forEach(r -> out.add(backup(r)));
        return out;
    }

    /** The newest verified backup of a kind, or null. */
    public BackupRecord newestVerified(String kind) {
        var rows = pool.preparedQuery("select " + BACKUP_COLUMNS
                + " from backups where kind = $1 and status = 'succeeded' and verified order by started_at desc limit 1")
                .execute(Tuple.of(kind)).await().indefinitely();
        return rows.size() == 0 ? null : backup(rows.iterator().next());
    }

    public long beginRestoreTest(Long backupId, String kind, String replica) {
        return pool.preparedQuery("""
                insert into restore_tests (backup_id, kind, status, replica) values ($1, $2, 'running', $3) returning id""")
                .execute(Tuple.of(backupId, kind, replica)).await().indefinitely().iterator().next().getLong(0);
    }

    public void finishRestoreTest(long id, boolean passed, long durationMs, Map<String, Object> checks, String error) {
        pool.preparedQuery("""
                update restore_tests set status = $2, duration_ms = $3, checks = $4, error = $5, finished_at = now()
                where id = $1""")
                .execute(Tuple.of(id, passed ? "passed" : "failed", durationMs, new JsonObject(checks), error))
                .await().indefinitely();
    }

    public List<RestoreTestRecord> restoreTests(int limit) {
        List<RestoreTestRecord> out = new ArrayList<>();
        pool.preparedQuery("""
                select id, backup_id, kind, status, replica, started_at, finished_at, duration_ms, checks, error
                from restore_tests order by id desc limit $1""").execute(Tuple.of(limit)).await().indefinitely()
                .forEach(r -> out.add(new RestoreTestRecord(r.getLong(0), r.getLong(1), r.getString(2), r.getString(3),
                        r.getString(4), r.getOffsetDateTime(5), r.getOffsetDateTime(6), r.getLong(7), map(r, 8), r.getString(9))));
        return out;
    }

    private static BackupRecord backup(Row r) {
        return new BackupRecord(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                r.getOffsetDateTime(5), r.getOffsetDateTime(6), r.getString(7), r.getString(8), r.getLong(9), r.getLong(10),
                r.getLong(11), r.getString(12), r.getBoolean(13), r.getString(14), map(r, 15), r.getString(16));
    }

    private static Map<String, Object> map(Row r, int col) {
        Object v = r.getValue(col);
        return v instanceof JsonObject j ? j.getMap() : null;
    }
}
