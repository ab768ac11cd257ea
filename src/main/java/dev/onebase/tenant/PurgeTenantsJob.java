package dev.onebase.tenant;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;

/** Purges soft-deleted tenants whose retention ({@code onebase.tenants.retention}) has run out, with all their data. */
@ApplicationScoped
public class PurgeTenantsJob implements Job {

    private final TenantService tenants;

    public PurgeTenantsJob(TenantService tenants) {
        this.tenants = tenants;
    }

    @Override
    public String name() {
        return "purge-tenants";
    }

    @Override
    public String defaultSchedule() {
        return "1h";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        return tenants.purgeDue().map(n -> new JobResult(n, 0, n + " tenant(s) purged"));
    }
}
