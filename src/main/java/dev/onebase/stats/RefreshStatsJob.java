package dev.onebase.stats;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import dev.onebase.ratelimit.RequestLimit;
import io.smallrye.mutiny.Uni;

/**
 * Refreshes tenant_usage and dashboard_stats CONCURRENTLY (readers keep reading the previous contents meanwhile), then
 * records in the usage history the storage of every tenant whose storage changed.
 */
@ApplicationScoped
public class RefreshStatsJob implements Job {

    private final StatsService stats;
    private final RequestLimit requestLimit;

    public RefreshStatsJob(StatsService stats, RequestLimit requestLimit) {
        this.stats = stats;
        this.requestLimit = requestLimit;
    }

    @Override
    public String name() {
        return "refresh-stats";
    }

    @Override
    public String defaultSchedule() {
        return "5m";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        // this replica's request counts first (the others write theirs every few seconds)
        return requestLimit.flush().flatMap(ignored -> stats.refresh())
                .flatMap(n -> stats.recordStorage().map(changed -> new JobResult(n, 0, "tenant_usage (" + n
                        + " tenants) and dashboard_stats refreshed; storage of " + changed + " tenants recorded")));
    }
}
