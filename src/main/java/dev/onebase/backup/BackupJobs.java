package dev.onebase.backup;

import java.time.Duration;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/** The backup jobs the runner schedules; the process work runs on the worker pool, never on the event loop. */
public final class BackupJobs {

    private BackupJobs() {
    }

    /** A context for backup work started outside the job runner (tests): never cancelled, progress shown only here. */
    public static JobContext manual() {
        return manual((done, total) -> {
            // BackupProgress shows it in the admin API
        });
    }

    /** The same, handing each progress report ({@code done} of {@code total}) to {@code progress}. */
    public static JobContext manual(BiConsumer<Long, Long> progress) {
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
                progress.accept(done, total);
            }
        };
    }

    /** Runs on the worker pool; a run skipped because another holds the lock is reported as skipped, not failed. */
    static Uni<JobResult> blocking(java.util.function.Supplier<JobResult> work) {
        return Uni.createFrom().item(() -> {
            try {
                return work.get();
            } catch (BackupLocks.Busy busy) {
                return new JobResult(0, 0, "skipped: " + busy.getMessage());
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /**
     * What every backup job shares: one timeout, the backup's own ({@code onebase.backup.timeout}, which also stops its
     * tools), not the job runner's 30-minute default; {@code onebase.jobs.<name>.timeout} still overrides it.
     */
    abstract static class BackupJob implements Job {
        private BackupConfig config;

        /** For the client proxy of a normal-scoped bean only. */
        BackupJob() {
        }

        BackupJob(BackupConfig config) {
            this.config = config;
        }

        @Override
        public final Duration defaultTimeout() {
            return config.timeout();
        }
    }

    /** pg_dump -Fc, daily at 02:00 by default. */
    @ApplicationScoped
    public static class SnapshotJob extends BackupJob {
        private final Snapshots snapshots;

        public SnapshotJob(Snapshots snapshots, BackupConfig config) {
            super(config);
            this.snapshots = snapshots;
        }

        @Override
        public String name() {
            return "backup-snapshot";
        }

        @Override
        public String defaultSchedule() {
            return "0 0 2 * * ?";
        }

        @Override
        public Uni<JobResult> run(JobContext context) {
            return blocking(() -> {
                BackupRecord r = snapshots.take(context);
                return JobResult.bytes(r.sizeBytes() == null ? 0 : r.sizeBytes(), "snapshot " + r.id() + " " + r.status());
            });
        }
    }

    /** pg_basebackup + pg_verifybackup, Sundays at 03:00 by default. */
    @ApplicationScoped
    public static class FullCopyJob extends BackupJob {
        private final FullCopies fullCopies;

        public FullCopyJob(FullCopies fullCopies, BackupConfig config) {
            super(config);
            this.fullCopies = fullCopies;
        }

        @Override
        public String name() {
            return "backup-full";
        }

        @Override
        public String defaultSchedule() {
            return "0 0 3 ? * SUN";
        }

        @Override
        public Uni<JobResult> run(JobContext context) {
            return blocking(() -> {
                BackupRecord r = fullCopies.take(context);
                return JobResult.bytes(r.sizeBytes() == null ? 0 : r.sizeBytes(), "full copy " + r.id() + " " + r.status());
            });
        }
    }

    /** Restores the newest snapshot and full copy and checks them, Sundays at 05:00 by default. */
    @ApplicationScoped
    public static class RestoreTestJob extends BackupJob {
        private final RestoreTester tester;

        public RestoreTestJob(RestoreTester tester, BackupConfig config) {
            super(config);
            this.tester = tester;
        }

        @Override
        public String name() {
            return "backup-restore-test";
        }

        @Override
        public String defaultSchedule() {
            return "0 0 5 ? * SUN";
        }

        @Override
        public Uni<JobResult> run(JobContext context) {
            return blocking(() -> {
                StringBuilder detail = new StringBuilder();
                boolean failed = false;
                for (RestoreTestRecord r : tester.run(context)) {
                    detail.append(r.kind()).append(' ').append(r.status()).append(" in ").append(r.durationMs()).append(" ms; ");
                    failed |= !"passed".equals(r.status());
                }
                // a half whose kind of backup is not taken is reported as skipped: not a failure, no alert
                tester.skippedHalves().forEach(skipped -> detail.append(skipped).append("; "));
                if (failed) {
                    throw new BackupException("restore test failed: " + detail);
                }
                return new JobResult(0, 0, detail.toString().trim());
            });
        }
    }

    /** Copies new WAL segments off-site and applies the off-site retention, every minute; nothing when off-site is off. */
    @ApplicationScoped
    public static class OffsiteJob extends BackupJob {
        private final OffsiteCopies offsite;
        private final BackupAlerts alerts;

        public OffsiteJob(OffsiteCopies offsite, BackupAlerts alerts, BackupConfig config) {
            super(config);
            this.offsite = offsite;
            this.alerts = alerts;
        }

        @Override
        public String name() {
            return "backup-offsite";
        }

        @Override
        public String defaultSchedule() {
            return "0 * * * * ?";
        }

        @Override
        public Uni<JobResult> run(JobContext context) {
            return blocking(() -> {
                if (offsite.store().isEmpty()) {
                    return new JobResult(0, 0, "off-site copies are not configured");
                }
                try {
                    int wal = offsite.copyWal();
                    int deleted = offsite.prune(java.time.Instant.now()).size();
                    return new JobResult(wal + deleted, 0, wal + " WAL files copied, " + deleted + " objects past retention deleted");
                } catch (java.io.IOException | RuntimeException e) {
                    alerts.raise("offsite-copy-failed", "wal", null, BackupException.messageOf(e));
                    throw new BackupException("off-site: " + BackupException.messageOf(e), e);
                }
            });
        }
    }
}
