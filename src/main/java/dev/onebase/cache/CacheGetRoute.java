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

    /**
     * A path's key segment that is "." or ".." (raw or percent-encoded): a path normalizer removes such segments, so
     * /api/v1/cache/. would become the key listing (or, for DELETE, the whole cache) and /api/v1/cache/./ttl the key
     * "ttl". They are ordinary keys: the request is rerouted with the segment masked as "_batch%2F." (which normalizers
     * leave alone), and the routes unmask it ({@link CacheRequests#pathKey}).
     */
    static final java.util.regex.Pattern DOT_KEYS = java.util.regex.Pattern.compile(
            "^" + java.util.regex.Pattern.quote(PREFIX) + "((?:\\.|%2[eE]){1,2})(/.*)?$");

    void install(@Observes Router router) {
        router.route("/api/v1/*").order(-100).handler(CacheGetRoute::unmaskDots);
        router.get(PREFIX + ":key").order(-10).handler(this::get);
        router.head(PREFIX + ":key").order(-10).handler(this::get);
    }

    private static void unmaskDots(RoutingContext ctx) {
        String raw = ctx.request().path();
        if (raw == null || raw.length() < PREFIX.length() + 1 || raw.length() > PREFIX.length() + 200 || !raw.startsWith(PREFIX)) {
            ctx.next();
            return;
        }
        java.util.regex.Matcher m = DOT_KEYS.matcher(raw);
        if (!m.matches()) {
            ctx.next();
            return;
        }
        String dots = m.group(1).replace("%2E", ".").replace("%2e", ".");
        String query = ctx.request().query();
        ctx.reroute(ctx.request().method(), PREFIX + CacheRequests.RESERVED + "%2F" + dots + (m.group(2) == null ? "" : m.group(2)) + (query == null ? "" : "?" + query));
    }

    private void get(RoutingContext ctx) {
        String requestId = requests.begin(ctx, TEMPLATE);
        Uni.createFrom().deferred(() -> {
            String key = CacheRequests.pathKey(ctx.pathParam("key"));
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
