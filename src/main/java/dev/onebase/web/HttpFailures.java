package dev.onebase.web;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;

/**
 * Failures the HTTP layer answers before any resource runs (a body over the server's limit) still get a
 * problem body.
 */
@ApplicationScoped
public class HttpFailures {

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            int status = ctx.statusCode();
            if (status != 413 || ctx.response().headWritten()) {
                ctx.next();
                return;
            }
            var response = ProblemMapper.respond(413, "Content Too Large", "The request body is larger than the server accepts",
                    ctx.normalizedPath(), Map.of());
            ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(Json.encode(response.getEntity()));
        });
    }
}
