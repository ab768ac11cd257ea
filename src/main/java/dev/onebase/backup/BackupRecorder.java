package dev.onebase.backup;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.db.ReplicaId;
import dev.onebase.job.JobContext;

/**
 * What every backup goes through, whichever tool takes it: the lock of its kind (so a second start, here or on another
 * replica, is skipped), its row in the catalog from running to succeeded or failed, its progress, its verification
 * (a backup is not done until verified), an alert when it fails or fails verification, and pruning after a verified
 * one. All methods block.
 */
@ApplicationScoped
public class BackupRecorder {

    private static final Logger LOG = Logger.getLogger(BackupRecorder.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** One backup being taken: where to, under which id and name, and what to remove if it fails. */
    record Attempt(BackupTarget target, Path root, long id, String name, JobContext ctx, BackupProgress.Reporter progress,
            List<Path> temporary) {

        boolean cancelled() {
            return ctx.cancelled();
        }

        /** {@code path}, removed if the backup fails. */
        Path temporary(Path path) {
            temporary.add(path);
            return path;
        }
    }

    /** A backup published in its final place; {@code timing} says how long its tool took. */
    record Taken(Path path, String startLsn, String endLsn, long sizeBytes, long databaseBytes, String checksum,
            Map<String, Long> rowCounts, String timing) {
    }

    /** Takes one backup, up to publishing it. */
    @FunctionalInterface
    interface Work {
        Taken take(Attempt attempt) throws Exception;
    }

    private final PgTools tools;
    private final BackupDirectory directory;
    private final BackupCatalog catalog;
    private final BackupProgress progress;
    private final Verifier verifier;
    private final BackupAlerts alerts;
    private final Pruner pruner;
    private final OffsiteCopies offsite;

    public BackupRecorder(PgTools tools, BackupDirectory directory, BackupCatalog catalog, BackupProgress progress,
            Verifier verifier, BackupAlerts alerts, Pruner pruner, OffsiteCopies offsite) {
        this.offsite = offsite;
        this.tools = tools;
        this.directory = directory;
        this.catalog = catalog;
        this.progress = progress;
        this.verifier = verifier;
        this.alerts = alerts;
        this.pruner = pruner;
    }

    /** A backup of {@code kind} of the configured database into the backup directory. */
    BackupRecord record(String kind, JobContext ctx, Work work) {
        return record(tools.target(), directory.root(), kind, ctx, work);
    }

    /** Takes, verifies and records a backup; throws {@link BackupLocks.Busy} when one of its kind is running already. */
    BackupRecord record(BackupTarget t, Path root, String kind, JobContext ctx, Work work) {
        String op = "backup-" + kind;
        try (BackupLocks.Held lock = lockOrRecordFailure(t, op, kind)) {
            long id = catalog.begin(kind, ReplicaId.current());
            long t0 = System.nanoTime();
            // the name is unique (id) and sorts by time
            Attempt attempt = new Attempt(t, root, id, STAMP.format(Instant.now()) + "-" + id, ctx, progress.start(op, ctx),
                    new ArrayList<>());
            attempt.progress().phase(BackupCatalog.SNAPSHOT.equals(kind) ? "dump" : "copy", 0, 80);
            try {
                Taken taken = work.take(attempt);
                attempt.progress().phase("verify", 80, 97);
                long v0 = System.nanoTime();
                String problem = verifier.check(kind, taken.path(), taken.checksum(), root);
                String verification = problem != null ? problem
                        : Verifier.passed(kind) + " (" + taken.timing() + ", verification " + millisSince(v0) + " ms)";
                long ms = millisSince(t0);
                catalog.succeed(id, taken.path().toString(), taken.startLsn(), taken.endLsn(), taken.sizeBytes(),
                        taken.databaseBytes(), ms, taken.checksum(), problem == null, verification, taken.rowCounts());
                if (problem == null) {
                    attempt.progress().phase("prune", 97, 100);
                    pruner.prune();
                    copyOffsite(kind, id, taken.path());
                } else {
                    alerts.raise("backup-verification-failed", kind, id, problem);
                }
                attempt.progress().done();
                LOG.infof("%s %d: %s, %d bytes in %d ms", op, id, taken.path(), taken.sizeBytes(), ms);
                return catalog.get(id);
            } catch (Exception e) {
                attempt.temporary().forEach(Artifacts::deleteTree);
                String error = BackupException.messageOf(e);
                catalog.fail(id, null, millisSince(t0), error);
                alerts.raise("backup-failed", kind, id, error);
                throw e instanceof BackupException be ? be : new BackupException(error, e);
            } finally {
                progress.finished(op);
            }
        }
    }

    /** A failed off-site copy alerts but does not fail the backup: the local copy is verified and usable. */
    private void copyOffsite(String kind, long id, Path artifact) {
        try {
            offsite.copyBackup(artifact);
        } catch (Exception e) {
            LOG.warnf("off-site copy of backup %d failed: %s", id, BackupException.messageOf(e));
            alerts.raise("offsite-copy-failed", kind, id, BackupException.messageOf(e));
        }
    }

    static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    private BackupLocks.Held lockOrRecordFailure(BackupTarget t, String op, String kind) {
        BackupLocks.Held lock;
        try {
            lock = BackupLocks.tryLock(t, op);
        } catch (BackupException e) {
            long id = catalog.begin(kind, ReplicaId.current());
            catalog.fail(id, null, 0, e.getMessage());
            alerts.raise("backup-failed", kind, id, e.getMessage());
            throw e;
        }
        if (lock == null) {
            throw new BackupLocks.Busy(op);
        }
        return lock;
    }
}
