package dev.onebase.web;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;

/**
 * Failures the HTTP layer answers before any resource runs (a body over the server's limit, a request path the router
 * cannot read) still get a problem body.
 */
@ApplicationScoped
public class HttpFailures {

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            int status = ctx.statusCode();
            if (status != 413 && status != 400 || ctx.response().headWritten()) {
                ctx.next();
                return;
            }
            // 400: the router could not read the request's path (malformed percent-encoding, a path that is not one)
            var response = status == 413
                    ? ProblemMapper.respond(413, "Content Too Large", "The request body is larger than the server accepts", ctx.request().path(), Map.of())
                    : ProblemMapper.respond(400, "Bad Request", "The request URI cannot be read: " + (HttpLimits.wellEncoded(ctx.request().uri())
                            ? "it is not a valid path" : "every '%' must be followed by two hexadecimal digits"), ctx.request().path(), Map.of());
            ctx.response().setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(Json.encode(response.getEntity()));
        });
    }
}
