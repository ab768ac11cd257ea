package dev.onebase.tenant;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The plans' limits, read from the {@code plans} table (not tenant data) and reused for
 * {@code onebase.cache.plan-refresh}, so the hot paths do not read them on every request.
 */
@ApplicationScoped
public class PlanCatalog {

    private record Snapshot(Map<String, Plan> plans, long readAtNanos) {
    }

    private static final String READ = "select " + Plan.COLUMNS + " from plans p";

    private final Pool pool;
    private final long refreshNanos;
    private volatile Snapshot snapshot;

    public PlanCatalog(Pool pool,
            @ConfigProperty(name = "onebase.cache.plan-refresh", defaultValue = "PT1M") Duration planRefresh) {
        this.pool = pool;
        this.refreshNanos = planRefresh.toNanos();
    }

    /** The plan's limits when this replica read them recently, else null (then {@link #limits} reads them). */
    public Plan cached(String plan) {
        Snapshot s = snapshot;
        return s != null && System.nanoTime() - s.readAtNanos() < refreshNanos ? s.plans().get(plan) : null;
    }

    public Uni<Plan> limits(String plan) {
        Snapshot s = snapshot;
        if (s != null && System.nanoTime() - s.readAtNanos() < refreshNanos && s.plans().containsKey(plan)) {
            return Uni.createFrom().item(s.plans().get(plan));
        }
        return pool.query(READ).execute().map(rows -> {
            Map<String, Plan> plans = new HashMap<>();
            rows.forEach(r -> plans.put(r.getString("plan_id"), Plan.from(r)));
            snapshot = new Snapshot(plans, System.nanoTime());
            Plan l = plans.get(plan);
            if (l == null) {
                throw new ProblemException(500, "Internal Server Error", "Unknown plan " + plan);
            }
            return l;
        });
    }
}
