package dev.onebase.cache;

import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Deletes expired cache entries, expired sessions and idle rate-limit buckets across all tenants, through the
 * SECURITY DEFINER function admin_sweep_expired: bounded batches, each its own short transaction, rows picked with
 * SKIP LOCKED so requests are never blocked. Then prunes old tenant_request_counts windows.
 */
@ApplicationScoped
public class CacheSweeper implements Job {

    private final Pool pool;
    private final CacheConfig config;

    public CacheSweeper(Pool pool, CacheConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @Override
    public String name() {
        return "cache-sweeper";
    }

    @Override
    public String defaultSchedule() {
        return "1m";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        long[] totals = new long[4];
        return sweep(context, totals, 0).flatMap(ignored -> prune(context, totals, 0)).map(ignored -> new JobResult(
                totals[0] + totals[1] + totals[2] + totals[3], 0,
                "cache entries " + totals[0] + ", sessions " + totals[1] + ", rate-limit buckets " + totals[2] + ", request-count windows "
                        + totals[3]));
    }

    private Uni<Void> sweep(JobContext context, long[] totals, int batch) {
        int size = config.sweep().batchSize();
        if (batch >= config.sweep().maxBatches() || context.cancelled()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("select * from admin_sweep_expired($1)").execute(Tuple.of(size)).flatMap(rows -> {
            Row r = rows.iterator().next();
            long c = r.getLong("cache_entries");
            long s = r.getLong("sessions");
            long b = r.getLong("rate_limits");
            totals[0] += c;
            totals[1] += s;
            totals[2] += b;
            context.progress(totals[0] + totals[1] + totals[2], -1);
            return c < size && s < size && b < size ? Uni.createFrom().voidItem() : sweep(context, totals, batch + 1);
        });
    }

    private Uni<Void> prune(JobContext context, long[] totals, int batch) {
        int size = config.sweep().batchSize();
        if (batch >= config.sweep().maxBatches() || context.cancelled()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime before = OffsetDateTime.now().minus(config.sweep().requestCountRetention());
        return pool.preparedQuery("select admin_prune_request_counts($1, $2) as n").execute(Tuple.of(before, size)).flatMap(rows -> {
            long n = rows.iterator().next().getLong("n");
            totals[3] += n;
            return n < size ? Uni.createFrom().voidItem() : prune(context, totals, batch + 1);
        });
    }
}
