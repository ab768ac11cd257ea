package dev.onebase.web;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The service's own limits on a request's URI ({@code onebase.http.max-uri-length}, 4096 bytes) and headers
 * ({@code onebase.http.max-header-size}, 20 KiB), and its refusal of malformed percent-encoding, answered as
 * problem+json (414, 431, 400) before any other route runs.
 * <p>
 * The parser's own limits ({@code quarkus.http.limits.max-initial-line-length}, {@code max-header-size}) are set well
 * above these (64 KiB each): they bound what one connection can make the parser hold, and the service's limits are kept
 * here, where the answer has the request's id, its route's metrics and a path. A request past the parser's limits (or
 * one it cannot read) never reaches a route: {@link MainHttpServer}'s invalid-request handler answers it as a problem
 * and closes the connection (docs/api.md).
 * <p>
 * Quarkus's own request handler refuses a URI that {@link URI} cannot parse (a bad percent-escape, a space) with an
 * empty 400 before the router, unless the system property {@code vertx.disableURIValidation} is true: the service sets
 * it ({@code OnebaseMain}; the tests' JVM in the pom) and makes the same check here, first, as a problem.
 * <p>
 * A chunked body whose chunk-size line cannot be read is answered 400 here too, just before
 * Vert.x closes the connection ({@link #malformedBody}).
 */
@ApplicationScoped
public class HttpLimits {

    private static final Logger LOG = Logger.getLogger(HttpLimits.class);

    private final int maxUri;
    private final long maxHeaders;
    private final RouterRequests requests;

    public HttpLimits(@ConfigProperty(name = "onebase.http.max-uri-length", defaultValue = "4096") int maxUri,
            @ConfigProperty(name = "onebase.http.max-header-size", defaultValue = "20K") MemorySize maxHeaders, RouterRequests requests) {
        this.maxUri = maxUri;
        this.maxHeaders = maxHeaders.asLongValue();
        this.requests = requests;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            HttpServerRequest req = ctx.request();
            ProblemException refused = refusal(req);
            if (refused == null) {
                if (req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
                    req.connection().exceptionHandler(failure -> malformedBody(ctx, failure));
                }
                ctx.next();
                return;
            }
            String path = req.path();
            String fallback = RouteTemplates.fallback(path);
            String id = requests.begin(ctx, fallback == null ? "/{other}" : fallback);
            requests.fail(ctx, refused, id);
        });
    }

    /**
     * A chunked body the HTTP decoder cannot read (a chunk-size line that is not hexadecimal, one too long): Vert.x fails
     * the whole connection, first telling the connection's exception handler (set here for each chunked request), then
     * the request's (the upload rolls back), then closing it. The 400 written here, on the event loop, goes out before the
     * close. A failure of the connection itself (an {@link IOException}: reset, closed) is no answer's business.
     */
    private void malformedBody(RoutingContext ctx, Throwable failure) {
        HttpServerResponse resp = ctx.response();
        if (failure instanceof IOException || resp.closed()) {
            return;
        }
        if (resp.ended() || resp.headWritten()) {
            sendNow(ctx.request()); // an answer given before the body was read (a 411, a 401) would be dropped too
            return;
        }
        String id = RequestIdFilter.idFor(ctx.request().getHeader(RequestIdFilter.HEADER));
        LOG.debugf("malformed request body (%s): answered 400", failure.toString());
        var problem = ProblemMapper.respond(400, "Bad Request", "Malformed chunked body: " + describe(failure), ctx.request().path(), Map.of());
        Problem body = (Problem) problem.getEntity();
        body = new Problem(body.type(), body.title(), body.status(), body.detail(), body.instance(), id);
        resp.setStatusCode(400).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader(RequestIdFilter.HEADER, id)
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE).end(requests.encode(body));
        sendNow(ctx.request());
    }

    /**
     * Vert.x holds what is written while it reads from a connection until the read is done; when the read ends in a
     * decoder failure it closes the connection first, which drops what was held. Flushing sends it before the close.
     */
    static void sendNow(HttpServerRequest req) {
        if (req.connection() instanceof ConnectionBase connection) {
            connection.channelHandlerContext().flush();
        }
    }

    private static String describe(Throwable failure) {
        return failure instanceof NumberFormatException ? "a chunk size is not a hexadecimal number"
                : failure instanceof io.netty.handler.codec.TooLongFrameException ? "a chunk-size line is too long" : "it cannot be decoded";
    }

    ProblemException refusal(HttpServerRequest req) {
        String uri = req.uri();
        if (uri.length() > maxUri) {
            return new ProblemException(414, "URI Too Long", "The request URI is longer than " + maxUri + " bytes");
        }
        long headers = 0;
        for (Map.Entry<String, String> h : req.headers()) {
            headers += h.getKey().length() + 2 + h.getValue().length() + 2;
        }
        if (headers > maxHeaders) {
            return new ProblemException(431, "Request Header Fields Too Large", "The request headers are larger than " + maxHeaders + " bytes");
        }
        if (!wellEncoded(uri)) {
            return ProblemException.badRequest("Malformed percent-encoding in the request URI: every '%' must be followed by two hexadecimal digits");
        }
        try {
            new URI(uri);
        } catch (URISyntaxException e) {
            return ProblemException.badRequest("The request URI is not a valid URI: " + e.getReason());
        }
        return null;
    }

    /** Every {@code %} is followed by two hexadecimal digits (RFC 3986, section 2.1). */
    static boolean wellEncoded(String uri) {
        for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 1)) {
            if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0 || Character.digit(uri.charAt(i + 2), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
