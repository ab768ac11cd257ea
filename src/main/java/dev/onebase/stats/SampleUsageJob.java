package dev.onebase.stats;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import dev.onebase.ratelimit.RequestLimit;
import io.smallrye.mutiny.Uni;

/**
 * Every minute, copies the per-minute request counts the request limit keeps (tenant_request_counts) into the usage
 * history: nothing is written per request for it. The last {@link #LOOK_BACK} are copied again each time, so counts
 * another replica flushed late (it writes every few seconds) still land, and only the difference is added to the day.
 */
@ApplicationScoped
public class SampleUsageJob implements Job {

    static final Duration LOOK_BACK = Duration.ofMinutes(15);

    private final StatsService stats;
    private final RequestLimit requestLimit;

    public SampleUsageJob(StatsService stats, RequestLimit requestLimit) {
        this.stats = stats;
        this.requestLimit = requestLimit;
    }

    @Override
    public String name() {
        return "sample-usage";
    }

    @Override
    public String defaultSchedule() {
        return "1m";
    }

    @Override
    public Duration defaultTimeout() {
        return Duration.ofMinutes(5);
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        // this replica's counts first, so the minute at hand is complete as far as this replica knows
        return requestLimit.flush().flatMap(ignored -> stats.sampleRequests(LOOK_BACK))
                .map(n -> new JobResult(n, 0, n + " tenant-minutes of requests recorded"));
    }
}
