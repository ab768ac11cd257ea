package dev.onebase.job;

import java.time.Duration;

import io.smallrye.mutiny.Uni;

/**
 * A maintenance job. Declare one as an {@code @ApplicationScoped} bean; the job runner finds every bean of this type,
 * schedules it (configuration {@code onebase.jobs.<name>.schedule}, {@code .enabled}, {@code .timeout} override the
 * defaults here) and runs each tick exactly once across all replicas, recording the run in {@code job_runs}.
 */
public interface Job {

    /** Stable, unique, kebab-case: the advisory-lock key, the config key, the history and the metrics tag. */
    String name();

    /** A Quartz-style cron ("0 0 3 * * ?") or an interval ("30s", "15m", "1h") used when configuration sets none. */
    String defaultSchedule();

    /** How long a run may take when configuration ({@code onebase.jobs.<name>.timeout}) sets nothing. */
    default Duration defaultTimeout() {
        return Duration.ofMinutes(30);
    }

    /** The work of one tick. Blocking work (processes, files) must run off the event loop, e.g. on a worker pool. */
    Uni<JobResult> run(JobContext context);
}
