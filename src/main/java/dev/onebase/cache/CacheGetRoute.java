package dev.onebase.cache;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.auth.ApiKeys;
import dev.onebase.ratelimit.RouteGate;
import dev.onebase.web.Problem;
import dev.onebase.web.ProblemException;
import dev.onebase.web.RequestIdFilter;
import dev.onebase.web.RouterRequests;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * GET (and HEAD) {@code /api/v1/cache/{key}}: the value as stored, with its content type; 404 when the key is missing
 * or expired. The hottest route of the service, so it is served from the HTTP router without the JAX-RS machinery:
 * the {@link RouteGate} (the key check, usually answered from memory, and the request limit, usually answered
 * from a lease, both then without a Uni) and the tenant's GETs of this event loop that arrive together as one
 * database command ({@code cache_get_many}, through {@link CacheBatcher}), answered from the SQL client's callback.
 * The other cache routes are in {@link CacheResource}.
 */
@ApplicationScoped
public class CacheGetRoute {

    static final String PREFIX = "/api/v1/cache/";
    static final String TEMPLATE = PREFIX + "{key}";

    private final RouteGate gate;
    private final CacheBatcher batcher;
    private final RouterRequests requests;

    public CacheGetRoute(RouteGate gate, CacheBatcher batcher, RouterRequests requests) {
        this.gate = gate;
        this.batcher = batcher;
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
        // a key segment that is "." or ".." starts with '.' or '%': no regular expression for any other path (every GET)
        if (raw == null || raw.length() < PREFIX.length() + 1 || raw.length() > PREFIX.length() + 200 || !raw.startsWith(PREFIX)
                || (raw.charAt(PREFIX.length()) != '.' && raw.charAt(PREFIX.length()) != '%')) {
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
        // the log fields go into the MDC only when something logs (RouterRequests.open)
        String requestId = requests.open(ctx, TEMPLATE);
        String key;
        UUID tenant = null;
        try {
            key = CacheRequests.pathKey(ctx.pathParam("key"));
            tenant = gate.admitNow(ctx, ApiKeys.SCOPE_READ, requestId);
            if (tenant != null) {
                CacheRequests.checkKeyShape(key);
            }
        } catch (RuntimeException e) {
            requests.fail(ctx, e, requestId, tenant);
            return;
        }
        if (tenant != null) {
            lookUp(ctx, tenant, key, requestId);
            return;
        }
        // the key or the request limit needs the database: the same checks, through it (which may log)
        RouterRequests.logContext(requestId, null);
        gate.admit(ctx, ApiKeys.SCOPE_READ).subscribe().with(admitted -> {
            try {
                CacheRequests.checkKeyShape(key);
            } catch (RuntimeException e) {
                requests.fail(ctx, e, requestId, admitted);
                return;
            }
            lookUp(ctx, admitted, key, requestId);
        }, failure -> requests.fail(ctx, failure, requestId));
    }

    /** The GET itself, batched with the tenant's other GETs of this event loop (one cache_get_many). */
    private void lookUp(RoutingContext ctx, UUID tenant, String key, String requestId) {
        batcher.get(tenant, key, (value, failure) -> {
            try {
                if (failure != null) {
                    requests.fail(ctx, failure, requestId, tenant);
                } else if (value == null) {
                    miss(ctx, requestId, tenant);
                } else {
                    send(ctx, value, requestId);
                }
            } catch (RuntimeException e) {
                requests.fail(ctx, e, requestId, tenant);
            }
        });
    }

    private static void send(RoutingContext ctx, CacheStore.Value v, String requestId) {
        HttpServerResponse resp = ctx.response();
        if (resp.closed()) {
            return;
        }
        resp.putHeader(REQUEST_ID, requestId)
                .putHeader(HttpHeaders.CONTENT_TYPE, v.contentType() == null ? OCTET_STREAM : v.contentType());
        if (ctx.request().method() == HttpMethod.HEAD) {
            resp.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(v.bytes().length)).end();
        } else {
            resp.end(Buffer.buffer(v.bytes()));
        }
    }

    /**
     * The 404 of a missing key, the same answer {@link RouterRequests#fail} gives (its test compares the two), with
     * the body's constant parts encoded once instead of by Jackson per miss. Anything unusual (a HEAD, a request with a
     * body to drain, a path or request id that JSON would escape) takes the general path.
     */
    private void miss(RoutingContext ctx, String requestId, UUID tenant) {
        HttpServerResponse resp = ctx.response();
        if (resp.closed()) {
            return;
        }
        String path = ctx.request().path();
        if (ctx.request().method() != HttpMethod.GET || !plainJson(path) || !plainJson(requestId)
                || (!ctx.request().isEnded() && (ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH) != null
                        || ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING) != null))) {
            requests.fail(ctx, ProblemException.notFound(NO_SUCH_KEY), requestId, tenant);
            return;
        }
        Buffer body = Buffer.buffer(MISS_HEAD.length + path.length() + requestId.length() + MISS_MIDDLE.length + MISS_TAIL.length)
                .appendBytes(MISS_HEAD).appendString(path, "ISO-8859-1").appendBytes(MISS_MIDDLE)
                .appendString(requestId, "ISO-8859-1").appendBytes(MISS_TAIL);
        resp.setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, PROBLEM_JSON).putHeader(REQUEST_ID, requestId).end(body);
    }

    static final String NO_SUCH_KEY = "No such key";
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized(RequestIdFilter.HEADER);
    private static final CharSequence OCTET_STREAM = HttpHeaders.createOptimized(MediaType.APPLICATION_OCTET_STREAM);
    private static final CharSequence PROBLEM_JSON = HttpHeaders.createOptimized(Problem.MEDIA_TYPE);
    private static final byte[] MISS_HEAD = ("{\"type\":\"urn:onebase:problem:404\",\"title\":\"Not Found\",\"status\":404,"
            + "\"detail\":\"" + NO_SUCH_KEY + "\",\"instance\":\"").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MISS_MIDDLE = "\",\"requestId\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MISS_TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);

    /** Printable ASCII that a JSON string holds as it is (no quote, no backslash): what the pre-encoded 404 takes. */
    static boolean plainJson(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
