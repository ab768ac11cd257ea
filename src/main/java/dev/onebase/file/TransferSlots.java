package dev.onebase.file;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.web.ProblemException;
import dev.onebase.web.ServiceMetrics;
import io.vertx.ext.web.RoutingContext;

/**
 * How many streaming uploads and downloads one tenant may have at once on this replica. Each one holds a pooled
 * connection for as long as its bytes move, so without a bound one tenant's transfers could take the whole pool;
 * by default a tenant gets a quarter of it (at least one).
 */
@ApplicationScoped
public class TransferSlots {

    private final Map<UUID, Integer> inUse = new ConcurrentHashMap<>();
    private final int perTenant;

    public TransferSlots(FileConfig config, @ConfigProperty(name = "quarkus.datasource.reactive.max-size", defaultValue = "20") int poolSize) {
        this.perTenant = config.maxTransfersPerTenant().orElse(Math.max(1, poolSize / 4));
    }

    /** Takes one of the tenant's slots until the exchange ends (answered, reset or closed), or fails with 429. */
    public void take(RoutingContext ctx, UUID tenant) {
        boolean[] taken = {false};
        inUse.compute(tenant, (t, n) -> {
            int now = n == null ? 0 : n;
            taken[0] = now < perTenant;
            return taken[0] ? now + 1 : (now == 0 ? null : now);
        });
        if (!taken[0]) {
            ServiceMetrics.limitedByTransfers();
            throw new ProblemException(429, "Too Many Requests", "The tenant already has " + perTenant
                    + " concurrent uploads or downloads on this replica; retry when one has finished", Map.of("Retry-After", "1"));
        }
        AtomicBoolean released = new AtomicBoolean();
        ctx.addEndHandler(done -> {
            if (released.compareAndSet(false, true)) {
                inUse.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
            }
        });
    }

    int perTenant() {
        return perTenant;
    }
}
