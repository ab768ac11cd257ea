package dev.onebase.job;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;

/**
 * Deletes job_runs finished longer ago than {@code onebase.jobs.prune-job-history.keep} (default 30 days), keeping
 * each job's last success whatever its age.
 */
@ApplicationScoped
public class PruneJobHistoryJob implements Job {

    private final JobHistory history;
    private final Duration keep;

    public PruneJobHistoryJob(JobHistory history,
            @ConfigProperty(name = "onebase.jobs.prune-job-history.keep", defaultValue = "P30D") Duration keep) {
        this.history = history;
        this.keep = keep;
    }

    @Override
    public String name() {
        return "prune-job-history";
    }

    @Override
    public String defaultSchedule() {
        return "0 30 3 * * ?";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        return history.prune(keep).map(n -> new JobResult(n, 0, n + " run(s) older than " + keep + " deleted"));
    }
}
