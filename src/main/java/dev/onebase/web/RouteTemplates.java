package dev.onebase.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.ext.web.Router;

/**
 * Keeps the {@code uri} label of the HTTP metrics a route template, never a raw path (a cache key, a file path, an S3
 * object key would each become a time series of their own). JAX-RS sets the template of the method it matched, the
 * routes served from the router set theirs ({@link RouterRequests#begin}), the S3 server its own ({@link #label}).
 * What none of them matches (a 405, a request refused before matching, a path under a known root that names nothing)
 * is labelled with its root's fallback, e.g. {@code /api/{other}} (so are the console's static files), set here before any route runs.
 */
@ApplicationScoped
public class RouteTemplates {

    /** Where Quarkus' HTTP server metrics look for a request's template (a local of the request's context). */
    static final String KEY = "UrlPathTemplate";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String path = ctx.request().path();
            String fallback = fallback(path);
            if (fallback != null) {
                label(ctx.request(), fallback);
            }
            // file bodies, in and out (the files API and the console's file routes): onebase_transfer_bytes_total
            if (path != null && (path.startsWith("/api/v1/files") || path.startsWith("/console/files/"))) {
                ctx.addEndHandler(done -> ServiceMetrics.transferred(ctx.request().bytesRead(), ctx.response().bytesWritten()));
            }
            ctx.next();
        });
    }

    /** Labels the request's metrics with {@code template}; a later call (the matched route's) wins. */
    public static void label(HttpServerRequest request, String template) {
        if (request instanceof HttpServerRequestInternal internal) {
            internal.context().putLocal(KEY, template);
        }
    }

    /** The template of a path under one of the service's roots that no route matches; null elsewhere (/q, static). */
    static String fallback(String path) {
        if (path == null) {
            return null;
        }
        for (String root : new String[] { "/api/", "/admin/", "/console/", "/ofrep/" }) {
            if (path.startsWith(root)) {
                return root + "{other}";
            }
        }
        return null;
    }
}
