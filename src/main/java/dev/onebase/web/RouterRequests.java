package dev.onebase.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.common.vertx.ContextLocals;
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
        ContextLocals.put(METRICS_TEMPLATE, template);
        return RequestIdFilter.idFor(ctx.request().getHeader(RequestIdFilter.HEADER));
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
        String answer = ctx.request().method().name().equals("HEAD") ? "" : encode(body);
        HttpServerRequest req = ctx.request();
        if (req.isEnded()) {
            resp.end(answer);
            return;
        }
        // a client that stopped sending (408) would only be waited for again: answer it and close
        if (r.getStatus() != 408 && declaredLength(req) >= 0 && declaredLength(req) <= DRAIN_LIMIT) {
            // a client still sending a small body would see a reset instead of the answer: read and drop the rest
            long giveUp = ctx.vertx().setTimer(DRAIN_TIMEOUT_MS, id -> req.connection().close());
            req.handler(ignored -> {
            });
            req.exceptionHandler(ignored -> {
            });
            req.endHandler(v -> {
                ctx.vertx().cancelTimer(giveUp);
                resp.end(answer);
            });
            req.resume();
            return;
        }
        // a large or unknown body is not worth reading: answer and close the connection
        resp.putHeader("Connection", "close");
        resp.end(answer).onComplete(x -> req.connection().close());
    }

    private static long declaredLength(HttpServerRequest req) {
        try {
            String cl = req.getHeader("Content-Length");
            return cl == null ? -1 : Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return -1;
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
