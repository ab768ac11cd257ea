package dev.onebase.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.common.vertx.ContextLocals;
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
        boolean unread = !ctx.request().isEnded();
        if (unread) {
            resp.putHeader("Connection", "close");
        }
        resp.end(ctx.request().method().name().equals("HEAD") ? "" : encode(body)).onComplete(x -> {
            if (unread) {
                ctx.request().connection().close();
            }
        });
    }

    public String encode(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
