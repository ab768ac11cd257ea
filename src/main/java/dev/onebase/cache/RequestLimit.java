package dev.onebase.cache;

import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * The per-tenant request limit of the plan, for every authenticated API call: the JAX-RS filter asks it, and so do
 * the streaming file routes, which run on the HTTP router outside JAX-RS.
 */
@ApplicationScoped
public class RequestLimit {

    private final RateLimiter limiter;
    private final PlanCatalog plans;
    private final CacheConfig config;

    public RequestLimit(RateLimiter limiter, PlanCatalog plans, CacheConfig config) {
        this.limiter = limiter;
        this.plans = plans;
        this.config = config;
    }

    public boolean enabled() {
        return config.requestLimit().enabled();
    }

    /** Counts one request of the tenant and decides it. */
    public Uni<RateLimiter.Decision> consume(UUID tenant, String plan) {
        return perMinute(plan).flatMap(limit -> limiter.request(tenant, limit));
    }

    Uni<Integer> perMinute(String plan) {
        return config.requestLimit().perMinute().isPresent()
                ? Uni.createFrom().item(config.requestLimit().perMinute().get())
                : plans.limits(plan).map(PlanCatalog.Limits::requestsPerMinute);
    }

    /** Counts one request and fails with the 429 problem when the tenant is over its limit. */
    public Uni<RateLimiter.Decision> enforce(UUID tenant, String plan) {
        if (!enabled()) {
            return Uni.createFrom().nullItem();
        }
        return consume(tenant, plan).map(d -> {
            if (!d.allowed()) {
                throw tooMany(d);
            }
            return d;
        });
    }

    static ProblemException tooMany(RateLimiter.Decision d) {
        long retry = Math.max(1, (d.retryAfterMs() + 999) / 1000);
        return new ProblemException(429, "Too Many Requests", "The tenant's plan allows " + d.limit()
                + " API requests per minute; retry in " + retry + " s",
                Map.of("Retry-After", Long.toString(retry), "RateLimit-Policy", RequestLimitFilter.policy(d),
                        "RateLimit", RequestLimitFilter.state(d)));
    }
}
