package dev.onebase.cache;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * Deletes expired cache entries, expired sessions and idle rate-limit buckets across all tenants, through the
 * SECURITY DEFINER function admin_sweep_table: one table per batch, each batch its own short transaction, rows picked
 * with SKIP LOCKED so the sweeper never waits for a request. A request can wait for the sweeper (a row it wants is in
 * a batch being deleted), so a batch runs under a statement timeout: one that runs longer (stale statistics, a busy
 * disk) is cancelled, its locks go at once, and it is retried at half the size. Then prunes old
 * tenant_request_counts windows. Each table is swept in the shared tables, then in every tenant's dedicated schema
 * (admin_sweep_table with the tenant: the same statement, the same bounds, per schema).
 */
@ApplicationScoped
public class CacheSweeper implements Job {

    private static final Logger LOG = Logger.getLogger(CacheSweeper.class);
    private static final String[] TABLES = {"cache_entries", "sessions", "rate_limits"};
    private static final String QUERY_CANCELED = "57014";

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
        List<UUID> schemaTenants = new ArrayList<>();
        Uni<Void> all = pool.query("select admin_schema_tenants() as id").execute()
                .invoke(rows -> rows.forEach(r -> schemaTenants.add(r.getUUID("id")))).replaceWithVoid();
        for (int i = 0; i < TABLES.length; i++) {
            int table = i;
            all = all.flatMap(x -> batches(context, totals, table, config.sweep().batchSize(), 0,
                    (conn, size) -> conn.preparedQuery("select admin_sweep_table($1, $2) as n").execute(Tuple.of(TABLES[table], size))
                            .map(rows -> rows.iterator().next().getLong("n"))));
            // then each tenant in a dedicated schema of its own, with the same bounds per schema
            all = all.flatMap(x -> eachSchema(schemaTenants, 0, tenant -> batches(context, totals, table, config.sweep().batchSize(), 0,
                    (conn, size) -> conn.preparedQuery("select admin_sweep_table($1, $2, $3) as n").execute(Tuple.of(TABLES[table], size, tenant))
                            .map(rows -> rows.iterator().next().getLong("n")))));
        }
        OffsetDateTime before = OffsetDateTime.now().minus(config.sweep().requestCountRetention());
        return all.flatMap(x -> batches(context, totals, 3, config.sweep().batchSize(), 0,
                (conn, size) -> conn.preparedQuery("select admin_prune_request_counts($1, $2) as n").execute(Tuple.of(before, size))
                        .map(rows -> rows.iterator().next().getLong("n"))))
                .map(ignored -> new JobResult(totals[0] + totals[1] + totals[2] + totals[3], 0,
                        "cache entries " + totals[0] + ", sessions " + totals[1] + ", rate-limit buckets " + totals[2]
                                + ", request-count windows " + totals[3]));
    }

    private static Uni<Void> eachSchema(List<UUID> tenants, int i, Function<UUID, Uni<Void>> sweep) {
        if (i >= tenants.size()) {
            return Uni.createFrom().voidItem();
        }
        return sweep.apply(tenants.get(i)).flatMap(x -> eachSchema(tenants, i + 1, sweep));
    }

    private interface Batch {
        Uni<Long> delete(SqlConnection conn, int size);
    }

    /** Batches of {@code size} until one comes back short, the run's batch budget is spent, or the run is cancelled. */
    private Uni<Void> batches(JobContext context, long[] totals, int slot, int size, int batch, Batch delete) {
        if (batch >= config.sweep().maxBatches() || context.cancelled()) {
            return Uni.createFrom().voidItem();
        }
        String timeout = config.sweep().statementTimeout().toMillis() + "ms";
        Function<SqlConnection, Uni<Long>> bounded = conn -> conn.preparedQuery("select set_config('statement_timeout', $1, true)")
                .execute(Tuple.of(timeout)).flatMap(x -> delete.delete(conn, size));
        return pool.withTransaction(bounded).onItemOrFailure().transformToUni((n, failure) -> {
            if (failure instanceof PgException pg && QUERY_CANCELED.equals(pg.getSqlState())) {
                if (size == 1) {
                    LOG.warnf("cache-sweeper: a single-row batch still ran over %s; leaving the rest to the next run", timeout);
                    return Uni.createFrom().voidItem();
                }
                return batches(context, totals, slot, Math.max(1, size / 2), batch + 1, delete);
            }
            if (failure != null) {
                return Uni.createFrom().failure(failure);
            }
            totals[slot] += n;
            context.progress(totals[0] + totals[1] + totals[2] + totals[3], -1);
            return n < size ? Uni.createFrom().voidItem() : batches(context, totals, slot, size, batch + 1, delete);
        });
    }
}
