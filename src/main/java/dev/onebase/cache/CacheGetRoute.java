package dev.onebase.cache;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.tenant.ApiKeys;
import dev.onebase.web.ApiKeyAuthenticator;
import dev.onebase.web.ProblemException;
import dev.onebase.web.RequestIdFilter;
import dev.onebase.web.RouterRequests;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * GET (and HEAD) {@code /api/v1/cache/{key}}: the value as stored, with its content type; 404 when the key is missing
 * or expired. The hottest route of the service, so it is served from the HTTP router without the JAX-RS machinery:
 * the key check ({@link ApiKeyAuthenticator}, usually answered from memory), the request limit (usually answered
 * from a lease) and one database command ({@code cache_get}). The other cache routes are in {@link CacheResource}.
 */
@ApplicationScoped
public class CacheGetRoute {

    static final String PREFIX = "/api/v1/cache/";
    static final String TEMPLATE = PREFIX + "{key}";

    private final ApiKeyAuthenticator authenticator;
    private final RequestLimit requestLimit;
    private final CacheStore store;
    private final RouterRequests requests;

    public CacheGetRoute(ApiKeyAuthenticator authenticator, RequestLimit requestLimit, CacheStore store, RouterRequests requests) {
        this.authenticator = authenticator;
        this.requestLimit = requestLimit;
        this.store = store;
        this.requests = requests;
    }

    void install(@Observes Router router) {
        router.get(PREFIX + ":key").order(-10).handler(this::get);
        router.head(PREFIX + ":key").order(-10).handler(this::get);
    }

    private void get(RoutingContext ctx) {
        String requestId = requests.begin(ctx, TEMPLATE);
        Uni.createFrom().deferred(() -> {
            String key = ctx.pathParam("key");
            return authenticator.authenticate(ctx.request().getHeader("Authorization"), ApiKeys.SCOPE_READ)
                    .invoke(() -> CacheResource.checkKeyShape(key))
                    .flatMap(ok -> limit(ok).flatMap(decision -> store.get(ok.key().tenantId(), key)
                            .map(value -> new Answer(decision, value.orElseThrow(() -> notFound(decision))))));
        }).subscribe().with(answer -> {
            try {
                send(ctx, answer, requestId);
            } catch (RuntimeException e) {
                requests.fail(ctx, e, requestId);
            }
        }, failure -> requests.fail(ctx, failure, requestId));
    }

    private record Answer(RateLimiter.Decision decision, CacheStore.Value value) {
    }

    private Uni<RateLimiter.Decision> limit(ApiKeyAuthenticator.Authenticated ok) {
        return requestLimit.enforce(ok.key().tenantId(), ok.principal().plan());
    }

    private static ProblemException notFound(RateLimiter.Decision decision) {
        ProblemException missing = ProblemException.notFound("No such key");
        return decision == null ? missing : new ProblemException(404, missing.title(), missing.getMessage(), RequestLimitFilter.headers(decision));
    }

    private static void send(RoutingContext ctx, Answer answer, String requestId) {
        HttpServerResponse resp = ctx.response();
        if (resp.closed()) {
            return;
        }
        CacheStore.Value v = answer.value();
        resp.putHeader(RequestIdFilter.HEADER, requestId)
                .putHeader("Content-Type", v.contentType() == null ? MediaType.APPLICATION_OCTET_STREAM : v.contentType());
        if (answer.decision() != null) {
            RequestLimitFilter.headers(answer.decision()).forEach(resp::putHeader);
        }
        if (ctx.request().method() == HttpMethod.HEAD) {
            resp.putHeader("Content-Length", Integer.toString(v.bytes().length)).end();
        } else {
            resp.end(Buffer.buffer(v.bytes()));
        }
    }
}
