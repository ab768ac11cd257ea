package dev.onebase.cache;

import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The plans' cache and request limits, read from the {@code plans} table (not tenant data) and reused for
 * {@code onebase.cache.plan-refresh}, so the hot paths do not read them on every request.
 */
@ApplicationScoped
public class PlanCatalog {

    public record Limits(String plan, long cacheEntries, int maxKeyBytes, int maxValueBytes, int requestsPerMinute) {
    }

    private record Snapshot(Map<String, Limits> plans, long readAtNanos) {
    }

    private static final String READ = """
            select id, cache_entries, cache_max_key_bytes, cache_max_value_bytes, requests_per_minute from plans
            """;

    private final Pool pool;
    private final long refreshNanos;
    private volatile Snapshot snapshot;

    public PlanCatalog(Pool pool, CacheConfig config) {
        this.pool = pool;
        this.refreshNanos = config.planRefresh().toNanos();
    }

    public Uni<Limits> limits(String plan) {
        Snapshot s = snapshot;
        if (s != null && System.nanoTime() - s.readAtNanos() < refreshNanos && s.plans().containsKey(plan)) {
            return Uni.createFrom().item(s.plans().get(plan));
        }
        return pool.query(READ).execute().map(rows -> {
            Map<String, Limits> plans = new HashMap<>();
            rows.forEach(r -> plans.put(r.getString("id"), new Limits(r.getString("id"), r.getLong("cache_entries"),
                    r.getInteger("cache_max_key_bytes"), r.getInteger("cache_max_value_bytes"), r.getInteger("requests_per_minute"))));
            snapshot = new Snapshot(plans, System.nanoTime());
            Limits l = plans.get(plan);
            if (l == null) {
                throw new ProblemException(500, "Internal Server Error", "Unknown plan " + plan);
            }
            return l;
        });
    }
}
