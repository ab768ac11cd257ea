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

    /** pg_dump -Fc, daily at 02:00 by default. */
    @ApplicationScoped
    public static class SnapshotJob implements Job {
        private final Snapshots snapshots;
        private final BackupConfig config;

        public SnapshotJob(Snapshots snapshots, BackupConfig config) {
            this.snapshots = snapshots;
            this.config = config;
        }

        /** One timeout: the backup's own (onebase.jobs.{name}.timeout still overrides it). */
        @Override
        public Duration defaultTimeout() {
            return config.timeout();
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
    public static class FullCopyJob implements Job {
        private final FullCopies fullCopies;
        private final BackupConfig config;

        public FullCopyJob(FullCopies fullCopies, BackupConfig config) {
            this.fullCopies = fullCopies;
            this.config = config;
        }

        /** One timeout: the backup's own (onebase.jobs.{name}.timeout still overrides it). */
        @Override
        public Duration defaultTimeout() {
            return config.timeout();
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
    public static class RestoreTestJob implements Job {
        private final RestoreTester tester;
        private final BackupConfig config;

        public RestoreTestJob(RestoreTester tester, BackupConfig config) {
            this.tester = tester;
            this.config = config;
        }

        /** One timeout: the backup's own (onebase.jobs.{name}.timeout still overrides it). */
        @Override
        public Duration defaultTimeout() {
            return config.timeout();
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
                if (failed) {
                    throw new BackupException("restore test failed: " + detail);
                }
                return new JobResult(0, 0, detail.toString().trim());
            });
        }
    }

    /** Copies new WAL segments off-site and applies the off-site retention, every minute; nothing when off-site is off. */
    @ApplicationScoped
    public static class OffsiteJob implements Job {
        private final OffsiteCopies offsite;
        private final BackupAlerts alerts;

        private final BackupConfig config;

        public OffsiteJob(OffsiteCopies offsite, BackupAlerts alerts, BackupConfig config) {
            this.offsite = offsite;
            this.alerts = alerts;
            this.config = config;
        }

        /** A backlog of WAL (after an outage of the store) may take long to upload: the backup's timeout. */
        @Override
        public Duration defaultTimeout() {
            return config.timeout();
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
