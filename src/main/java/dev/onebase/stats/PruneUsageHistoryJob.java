package dev.onebase.stats;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;

/** Keeps the usage history bounded: minute rows for 48 hours, day rows for 400 days (by default), in batches. */
@ApplicationScoped
public class PruneUsageHistoryJob implements Job {

    static final int BATCH = 5000;

    private final StatsService stats;
    private final Duration minutes;
    private final Duration days;

    public PruneUsageHistoryJob(StatsService stats,
            @ConfigProperty(name = "onebase.stats.history.minute-retention", defaultValue = "PT48H") Duration minutes,
            @ConfigProperty(name = "onebase.stats.history.day-retention", defaultValue = "P400D") Duration days) {
        this.stats = stats;
        this.minutes = minutes;
        this.days = days;
    }

    @Override
    public String name() {
        return "prune-usage-history";
    }

    @Override
    public String defaultSchedule() {
        return "1h";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        return prune(context, 0).map(n -> new JobResult(n, 0, n + " usage history rows past retention deleted"));
    }

    private Uni<Long> prune(JobContext context, long sofar) {
        return stats.pruneHistory(minutes, days, BATCH).flatMap(n -> n < BATCH || context.cancelled()
                ? Uni.createFrom().item(sofar + n)
                : prune(context, sofar + n));
    }
}
