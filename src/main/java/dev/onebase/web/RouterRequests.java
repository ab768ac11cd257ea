package dev.onebase.web;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jboss.logging.MDC;

import io.smallrye.common.vertx.ContextLocals;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;

/**
 * What the routes served straight from the Vert.x router (the streaming file transfers, the cache GET) share with
 * the JAX-RS side: the request id, the route template the HTTP metrics are labelled with, and failures answered as
 * problem+json by the one {@link ProblemMapper}.
 */
@ApplicationScoped
public class RouterRequests {

    /** Where the HTTP server metrics look for a route's template (RESTEasy sets it for JAX-RS resources). */
    private static final String METRICS_TEMPLATE = "UrlPathTemplate";

    /** A rejected request body up to this size is read to its end (and dropped) so the client gets the answer. */
    private static final long DRAIN_LIMIT = 8L * 1024 * 1024;
    private static final long DRAIN_TIMEOUT_MS = 10_000;

    private final ObjectMapper json;
    private final ProblemMapper problems = new ProblemMapper();

    public RouterRequests(ObjectMapper json) {
        this.json = json;
    }

    /** Starts a routed request: labels its metrics with {@code template} (never the raw path) and gives its id. */
    public String begin(RoutingContext ctx, String template) {
        String id = open(ctx, template);
        MDC.put(RequestIdFilter.MDC_KEY, id);
        MDC.remove(RequestIdFilter.MDC_TENANT);
        return id;
    }

    /**
     * {@link #begin} without the log context: for a route that sets it ({@link #logContext}) only before something
     * logs. Putting it in the MDC costs a map of the request's Vert.x context on every request, which nearly never logs
     * (every request has a context of its own, so nothing of an earlier request's is left in it).
     */
    public String open(RoutingContext ctx, String template) {
        ContextLocals.put(METRICS_TEMPLATE, template);
        return RequestIdFilter.idFor(ctx.request().getHeader(RequestIdFilter.HEADER));
    }

    /** The log fields of a request opened with {@link #open}: its id, and its tenant when known (else left as is). */
    public static void logContext(String requestId, UUID tenant) {
        MDC.put(RequestIdFilter.MDC_KEY, requestId);
        if (tenant != null) {
            MDC.put(RequestIdFilter.MDC_TENANT, tenant.toString());
        }
    }

    /** {@link #fail} of a request opened with {@link #open}: its log fields are set first (the answer may be logged). */
    public void fail(RoutingContext ctx, Throwable failure, String requestId, UUID tenant) {
        logContext(requestId, tenant);
        fail(ctx, failure, requestId);
    }

    public void fail(RoutingContext ctx, Throwable failure, String requestId) {
        HttpServerResponse resp = ctx.response();
        if (resp.closed() || resp.headWritten()) {
            if (!resp.closed()) {
                resp.reset();
            }
            return;
        }
        Response r;
        if (failure instanceof ProblemException p) {
            r = ProblemMapper.respond(p.status(), p.title(), p.getMessage(), ctx.request().path(), p.headers());
        } else if (failure instanceof PgException pg) {
            r = problems.database(pg, null);
        } else {
            r = problems.any(failure, null);
        }
        Problem body = (Problem) r.getEntity();
        body = new Problem(body.type(), body.title(), body.status(), body.detail(), ctx.request().path(), requestId);
        resp.setStatusCode(r.getStatus()).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader(RequestIdFilter.HEADER, requestId);
        r.getStringHeaders().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("Content-Type")) {
                resp.putHeader(k, vs.get(0));
            }
        });
        answer(ctx, ctx.request().method() == HttpMethod.HEAD ? "" : encode(body));
    }

    /**
     * Ends the answer and keeps the connection for the client's next request unless the request's body is still
     * arriving and cannot be drained: a body that was read, or that there is none of, costs nothing; a small unread
     * one is read and dropped first (a client still sending would see a reset instead of the answer); only one
     * declared larger than {@link #DRAIN_LIMIT}, or growing past it, is answered with {@code Connection: close}.
     */
    private static void answer(RoutingContext ctx, String answer) {
        HttpServerRequest req = ctx.request();
        HttpServerResponse resp = ctx.response();
        long declared = declaredLength(req);
        if (req.isEnded() || declared == 0) {
            resp.end(answer);
            return;
        }
        // a client that stopped sending (408) would only be waited for again: answer it and close
        if (declared > DRAIN_LIMIT || resp.getStatusCode() == 408) {
            endAndClose(req, resp, answer);
            return;
        }
        long[] drained = {0};
        long giveUp = ctx.vertx().setTimer(DRAIN_TIMEOUT_MS, id -> req.connection().close());
        req.handler(chunk -> {
            drained[0] += chunk.length();
            if (drained[0] > DRAIN_LIMIT && !resp.ended()) {
                ctx.vertx().cancelTimer(giveUp);
                endAndClose(req, resp, answer);
            }
        });
        // a body the HTTP decoder cannot read (a bad chunk-size line): Vert.x closes the connection right after telling
        // us, so the answer goes now, flushed, or never (HttpLimits.sendNow)
        req.exceptionHandler(failure -> {
            if (!(failure instanceof java.io.IOException) && !resp.ended()) {
                ctx.vertx().cancelTimer(giveUp);
                resp.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE).end(answer);
                HttpLimits.sendNow(req);
            }
        });
        req.endHandler(v -> {
            ctx.vertx().cancelTimer(giveUp);
            if (!resp.ended()) {
                resp.end(answer);
            }
        });
        req.resume();
    }

    private static void endAndClose(HttpServerRequest req, HttpServerResponse resp, String answer) {
        resp.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        resp.end(answer).onComplete(x -> req.connection().close());
    }

    /**
     * The request body's declared length: 0 when there is none (HTTP/1.1 has a body only with a Content-Length or a
     * Transfer-Encoding), -1 when it is chunked (its length is learnt by reading it), past the drain limit when the
     * header cannot be read.
     */
    private static long declaredLength(HttpServerRequest req) {
        String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (cl == null) {
            return req.getHeader(HttpHeaders.TRANSFER_ENCODING) == null ? 0 : -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    public String encode(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
