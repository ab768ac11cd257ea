package dev.onebase.ratelimit;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import dev.onebase.auth.ApiKeyAuthenticator;
import dev.onebase.web.RequestIdFilter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The door of the routes served from the Vert.x router (outside JAX-RS, so without its filters): the API key check,
 * then the tenant's request limit, whose RateLimit headers go on the answer at once, so every answer after this point
 * (success or problem) carries them, as on the JAX-RS routes.
 */
@ApplicationScoped
public class RouteGate {

    private static final Logger LOG = Logger.getLogger(RouteGate.class);

    private final ApiKeyAuthenticator authenticator;
    private final RequestLimit requestLimit;

    public RouteGate(ApiKeyAuthenticator authenticator, RequestLimit requestLimit) {
        this.authenticator = authenticator;
        this.requestLimit = requestLimit;
    }

    /** The tenant of an authenticated request within its limit; fails with the 401/403/429 problem otherwise. */
    public Uni<UUID> admit(RoutingContext ctx, String scope) {
        return authenticator.authenticate(ctx.request().getHeader("Authorization"), scope).flatMap(ok -> {
            // the log field of the tenant (docs/observability.md), as AuthFilter's Caller sets it on the JAX-RS side
            MDC.put(RequestIdFilter.MDC_TENANT, ok.key().tenantId().toString());
            if (LOG.isDebugEnabled()) {
                LOG.debug("authenticated with an API key");
            }
            return requestLimit.enforce(ok.key().tenantId(), ok.principal().plan()).map(decision -> {
                if (decision != null) {
                    HttpServerResponse resp = ctx.response();
                    RequestLimitFilter.headers(decision).forEach(resp::putHeader);
                }
                return ok.key().tenantId();
            });
        });
    }
}
