package dev.onebase.console;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.onebase.file.Downloads;
import dev.onebase.file.FilePaths;
import dev.onebase.file.FileStore;
import dev.onebase.file.Thumbnails;
import dev.onebase.web.Ids;
import dev.onebase.web.ProblemException;
import dev.onebase.web.RequestIdFilter;
import dev.onebase.web.RouterRequests;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The console's byte-moving routes, on the router like the API's file routes (the body streams, never buffered), with
 * the console's own door: the session cookie, and for the upload the CSRF token in {@code X-CSRF-Token} (the page's
 * script sends it with the upload, whose progress it shows).
 */
@ApplicationScoped
public class ConsoleFileRoutes {

    static final String UPLOAD = "/console/files/upload";
    static final String CONTENT = "/console/files/content";

    private final ConsoleSessions sessions;
    private final FileStore store;
    private final Downloads downloads;
    private final Thumbnails thumbnails;
    private final RouterRequests requests;

    public ConsoleFileRoutes(ConsoleSessions sessions, FileStore store, Downloads downloads, Thumbnails thumbnails,
            RouterRequests requests) {
        this.sessions = sessions;
        this.store = store;
        this.downloads = downloads;
        this.thumbnails = thumbnails;
        this.requests = requests;
    }

    void install(@Observes Router router) {
        router.put(UPLOAD).order(-10).handler(this::upload);
        router.get(CONTENT).order(-10).handler(this::content);
    }

    /** PUT ?tenant=&path=folder/name with the raw body; answers the stored file as JSON. */
    private void upload(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        req.pause();
        String requestId = requests.begin(ctx, UPLOAD);
        secure(ctx);
        Uni.createFrom().deferred(() -> signedIn(ctx, true).flatMap(ignored -> {
            UUID tenant = Console.tenantId(req.getParam("tenant"));
            var path = FilePaths.file(req.getParam("path") == null ? "" : req.getParam("path"));
            String type = req.getHeader("Content-Type");
            long length = req.getHeader("Content-Length") == null ? -1 : Long.parseLong(req.getHeader("Content-Length"));
            Multi<Buffer> body = io.vertx.mutiny.core.http.HttpServerRequest.newInstance(req).toMulti().map(b -> b.getDelegate());
            return store.upload(tenant, path, type == null ? "application/octet-stream" : type, length, body);
        })).subscribe().with(saved -> {
            if (!ctx.response().closed()) {
                ctx.response().setStatusCode(saved.created() ? 201 : 200).putHeader("Content-Type", "application/json")
                        .putHeader(RequestIdFilter.HEADER, requestId).end(requests.encode(saved.file()));
            }
        }, failure -> requests.fail(ctx, failure, requestId));
    }

    /** GET ?tenant=&id=[&version=][&thumbnail=true]: the content, a version's, or a thumbnail of an image. */
    private void content(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String requestId = requests.begin(ctx, CONTENT);
        secure(ctx);
        Uni.createFrom().deferred(() -> signedIn(ctx, false).flatMap(ignored -> {
            UUID tenant = Console.tenantId(req.getParam("tenant"));
            UUID id = Ids.parse(req.getParam("id") == null ? "" : req.getParam("id"));
            if ("true".equals(req.getParam("thumbnail"))) {
                return thumbnails.get(tenant, id, 160, 160);
            }
            String version = req.getParam("version");
            return store.stored(tenant, id, version == null ? null : version(version));
        })).subscribe().with(stored -> downloads.send(ctx, stored, requestId), failure -> requests.fail(ctx, failure, requestId));
    }

    private Uni<Void> signedIn(RoutingContext ctx, boolean change) {
        HttpServerRequest req = ctx.request();
        if (change && !ConsoleGuard.sameOrigin(req.getHeader("Origin"), req.getHeader("Host"))) {
            throw ProblemException.forbidden("The request comes from another site");
        }
        Cookie cookie = req.getCookie(ConsoleSessions.COOKIE);
        return sessions.find(cookie == null ? null : cookie.getValue()).map(found -> {
            if (found.isEmpty()) {
                throw ProblemException.forbidden("Sign in to the console first");
            }
            if (change && !ConsoleSessions.csrfMatches(found.get(), req.getHeader(ConsoleGuard.CSRF_HEADER))) {
                throw ProblemException.forbidden("The CSRF token is missing or wrong; reload the page and try again");
            }
            if (!found.get().operator()) {
                String refused = ConsoleGuard.tenantRefusal(found.get().tenant(), req.path(), req.method().name(),
                        req.getParam(ConsoleGuard.TENANT), null);
                if (refused != null) {
                    throw ProblemException.forbidden(refused);
                }
            }
            return null;
        });
    }

    private static void secure(RoutingContext ctx) {
        ctx.response().putHeader("Content-Security-Policy", ConsoleGuard.CSP).putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "same-origin");
    }

    private static int version(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ProblemException.badRequest("version must be a positive integer");
    }
}
