package dev.onebase.cache;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.onebase.tenant.ApiKeys;
import dev.onebase.web.Caller;
import dev.onebase.web.ProblemException;
import dev.onebase.web.ProblemMapper;
import io.smallrye.mutiny.Uni;

/**
 * The service's own per-tenant request limit (the plan's requests_per_minute, GCRA with a one-minute period) on
 * every authenticated {@code /api/...} call, right after authentication. Over it: 429 with Retry-After. Every
 * answer carries the RateLimit-Policy and RateLimit headers (draft-ietf-httpapi-ratelimit-headers).
 */
public class RequestLimitFilter {

    static final String DECISION = RequestLimitFilter.class.getName() + ".decision";
    static final String POLICY = "\"requests\"";
    static final String PREFETCHED = RequestLimitFilter.class.getName() + ".prefetched";

    private final RateLimiter limiter;
    private final RequestLimit requestLimit;
    private final Caller caller;
    private final CacheConfig config;

    public RequestLimitFilter(RateLimiter limiter, RequestLimit requestLimit, Caller caller, CacheConfig config) {
        this.limiter = limiter;
        this.requestLimit = requestLimit;
        this.caller = caller;
        this.config = config;
    }

    /**
     * Starts the limit's statement while authentication runs (the two round trips overlap instead of adding up).
     * The statement authenticates the key for itself, so a forged key consumes nothing; the decision is used
     * below only once authentication has accepted the same tenant.
     */
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 10)
    public void prefetch(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        String header = ctx.getHeaderString("Authorization");
        if (!config.requestLimit().enabled() || !path.startsWith("/api/") || header == null || !header.startsWith("Bearer ")) {
            return;
        }
        ApiKeys.parse(header.substring("Bearer ".length()).trim()).ifPresent(key -> {
            CompletableFuture<Optional<RateLimiter.Decision>> pending = limiter
                    .requestBeforeAuthentication(key.tenantId(), key.hash(), config.requestLimit().perMinute().orElse(null))
                    .subscribeAsCompletionStage();
            ctx.setProperty(PREFETCHED, new Prefetched(key.tenantId(), pending));
        });
    }

    private record Prefetched(UUID tenant, CompletableFuture<Optional<RateLimiter.Decision>> decision) {
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION + 10)
    public Uni<Response> limit(ContainerRequestContext ctx) {
        if (!config.requestLimit().enabled() || caller.keyId() == null || !ctx.getUriInfo().getPath().startsWith("/api/")) {
            return Uni.createFrom().nullItem();
        }
        var tenant = caller.tenantId();
        String plan = caller.plan();
        Uni<RateLimiter.Decision> decided = requestLimit.consume(tenant, plan);
        if (ctx.getProperty(PREFETCHED) instanceof Prefetched p && p.tenant().equals(tenant)) {
            // normally already answered; if the key did not authenticate there (a race with a revocation), ask again
            decided = Uni.createFrom().completionStage(p.decision())
                    .flatMap(d -> d.isPresent() ? Uni.createFrom().item(d.get()) : requestLimit.consume(tenant, plan));
        }
        return decided.map(d -> {
            ctx.setProperty(DECISION, d);
            if (d.allowed()) {
                return null;
            }
            ProblemException tooMany = RequestLimit.tooMany(d);
            return ProblemMapper.respond(429, tooMany.title(), tooMany.getMessage(), ctx.getUriInfo().getPath(), tooMany.headers());
        });
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext req, ContainerResponseContext res) {
        if (req.getProperty(DECISION) instanceof RateLimiter.Decision d && !res.getHeaders().containsKey("RateLimit")) {
            res.getHeaders().putSingle("RateLimit-Policy", policy(d));
            res.getHeaders().putSingle("RateLimit", state(d));
        }
    }

    static String policy(RateLimiter.Decision d) {
        return POLICY + ";q=" + d.limit() + ";w=60";
    }

    static String state(RateLimiter.Decision d) {
        return POLICY + ";r=" + d.remaining() + ";t=" + (d.resetMs() + 999) / 1000;
    }
}
