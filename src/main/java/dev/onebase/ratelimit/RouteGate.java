package dev.onebase.ratelimit;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import dev.onebase.auth.ApiKeyAuthenticator;
import dev.onebase.web.RequestIdFilter;
import dev.onebase.web.RouterRequests;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The door of the routes served from the Vert.x router (outside JAX-RS, so without its filters): the API key check,
 * then the tenant's request limit, whose RateLimit headers go on the answer at once, so every answer after this point
 * (success or problem) carries them, as on the JAX-RS routes.
 *
 * <p>Two ways through, with the same checks and the same answers: {@link #admitNow} decides a request from memory
 * alone (the key in this replica's key cache, a request left in the tenant's lease), with no Uni and no context
 * propagation around it, which is what nearly every request of a busy tenant takes; when it cannot decide,
 * {@link #admit} asks the database.
 */
@ApplicationScoped
public class RouteGate {

    private static final Logger LOG = Logger.getLogger(RouteGate.class);
    private static final CharSequence POLICY = HttpHeaders.createOptimized("RateLimit-Policy");
    private static final CharSequence STATE = HttpHeaders.createOptimized("RateLimit");

    private final ApiKeyAuthenticator authenticator;
    private final RequestLimit requestLimit;
    /** The RateLimit-Policy value of the last limit seen (nearly always the one of the next request). */
    private volatile PolicyValue lastPolicy = new PolicyValue(-1L, "");

    public RouteGate(ApiKeyAuthenticator authenticator, RequestLimit requestLimit) {
        this.authenticator = authenticator;
        this.requestLimit = requestLimit;
    }

    private static final class PolicyValue {
        final long limit;
        final CharSequence value;

        PolicyValue(long limit, String value) {
            this.limit = limit;
            this.value = HttpHeaders.createOptimized(value);
        }
    }

    /** The tenant of an authenticated request within its limit; fails with the 401/403/429 problem otherwise. */
    public Uni<UUID> admit(RoutingContext ctx, String scope) {
        return authenticator.authenticate(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), scope).flatMap(ok -> {
            authenticated(ok.key().tenantId());
            return requestLimit.enforce(ok.key().tenantId(), ok.principal().plan()).map(decision -> {
                if (decision != null) {
                    headers(ctx.response(), decision);
                }
                return ok.key().tenantId();
            });
        });
    }

    /**
     * {@link #admit} decided from memory: the tenant, or null when the database must be asked (then call
     * {@link #admit}, which checks again from the start; nothing was counted). Throws the 401/403/429 problem.
     * For a request opened with {@link RouterRequests#open}: the log fields (its {@code requestId} and tenant) are
     * put in the MDC only when the authentication's debug line is written; the caller sets them before anything
     * else that logs ({@link RouterRequests#logContext}).
     */
    public UUID admitNow(RoutingContext ctx, String scope, String requestId) {
        ApiKeyAuthenticator.Authenticated ok = authenticator.authenticateKnown(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), scope);
        if (ok == null) {
            return null;
        }
        UUID tenant = ok.key().tenantId();
        if (requestLimit.enabled()) {
            RateLimiter.Decision decision;
            try {
                decision = requestLimit.enforceLocally(tenant, ok.principal().plan());
            } catch (RuntimeException refused) {
                authenticatedQuietly(tenant, requestId);
                throw refused;
            }
            if (decision == null) {
                return null;
            }
            headers(ctx.response(), decision);
        }
        authenticatedQuietly(tenant, requestId);
        return tenant;
    }

    private static void authenticatedQuietly(UUID tenant, String requestId) {
        if (LOG.isDebugEnabled()) {
            RouterRequests.logContext(requestId, tenant);
            LOG.debug("authenticated with an API key");
        }
    }

    private static void authenticated(UUID tenant) {
        // the log field of the tenant (docs/observability.md), as AuthFilter's Caller sets it on the JAX-RS side
        MDC.put(RequestIdFilter.MDC_TENANT, tenant.toString());
        if (LOG.isDebugEnabled()) {
            LOG.debug("authenticated with an API key");
        }
    }

    /** The RateLimit-Policy and RateLimit headers of {@link RequestLimitFilter#headers}, without building a map. */
    private void headers(HttpServerResponse resp, RateLimiter.Decision d) {
        PolicyValue p = lastPolicy;
        if (p.limit != d.limit()) {
            p = new PolicyValue(d.limit(), RequestLimitFilter.policy(d));
            lastPolicy = p;
        }
        resp.putHeader(POLICY, p.value).putHeader(STATE, RequestLimitFilter.state(d));
    }
}
