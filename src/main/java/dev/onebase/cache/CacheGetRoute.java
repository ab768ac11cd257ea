package dev.onebase.cache;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.auth.ApiKeys;
import dev.onebase.ratelimit.RouteGate;
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
 * the {@link RouteGate} (the key check, usually answered from memory, and the request limit, usually answered
 * from a lease) and one database command ({@code cache_get}). The other cache routes are in {@link CacheResource}.
 */
@ApplicationScoped
public class CacheGetRoute {

    static final String PREFIX = "/api/v1/cache/";
    static final String TEMPLATE = PREFIX + "{key}";

    private final RouteGate gate;
    private final CacheStore store;
    private final RouterRequests requests;

    public CacheGetRoute(RouteGate gate, CacheStore store, RouterRequests requests) {
        this.gate = gate;
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
            return gate.admit(ctx, ApiKeys.SCOPE_READ)
                    .invoke(() -> CacheRequests.checkKeyShape(key))
                    .flatMap(tenant -> store.get(tenant, key))
                    .map(value -> value.orElseThrow(() -> ProblemException.notFound("No such key")));
        }).subscribe().with(value -> {
            try {
                send(ctx, value, requestId);
            } catch (RuntimeException e) {
                requests.fail(ctx, e, requestId);
            }
        }, failure -> requests.fail(ctx, failure, requestId));
    }

    private static void send(RoutingContext ctx, CacheStore.Value v, String requestId) {
        HttpServerResponse resp = ctx.response();
        if (resp.closed()) {
            return;
        }
        resp.putHeader(RequestIdFilter.HEADER, requestId)
                .putHeader("Content-Type", v.contentType() == null ? MediaType.APPLICATION_OCTET_STREAM : v.contentType());
        if (ctx.request().method() == HttpMethod.HEAD) {
            resp.putHeader("Content-Length", Integer.toString(v.bytes().length)).end();
        } else {
            resp.end(Buffer.buffer(v.bytes()));
        }
    }
}
