package dev.onebase.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;

/**
 * {@code GET /bench/floor}, only with {@code onebase.bench.floor-route=true}: the HTTP exchange of a cache GET (the
 * same router, server and metrics, an answer of the same size) with no work of onebase's behind it, so the cache
 * benchmark can measure how close the GET comes to what the HTTP layer alone allows, in the same run.
 */
@ApplicationScoped
public class FloorRoute {

    static final String PATH = "/bench/floor";
    /** As large as the benchmark's cache values. */
    private static final Buffer ANSWER = Buffer.buffer("x".repeat(100));

    private final boolean enabled;

    public FloorRoute(@ConfigProperty(name = "onebase.bench.floor-route", defaultValue = "false") boolean enabled) {
        this.enabled = enabled;
    }

    void install(@Observes Router router) {
        if (enabled) {
            // labelled as the service's routes label themselves, so its metrics cost what theirs do (LeanHttpMetrics)
            router.get(PATH).order(-10).handler(ctx -> {
                RouteTemplates.label(ctx.request(), PATH);
                ctx.response().putHeader("Content-Type", "application/octet-stream").end(ANSWER);
            });
        }
    }
}
