package dev.onebase.file;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.onebase.auth.ApiKeys;
import dev.onebase.file.FilePaths.FilePath;
import dev.onebase.ratelimit.RouteGate;
import dev.onebase.web.Ids;
import dev.onebase.web.ProblemException;
import dev.onebase.web.RequestIdFilter;
import dev.onebase.web.RouterRequests;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.vertx.MultiHelper;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The byte-moving routes, on the Vert.x router rather than in a JAX-RS resource so the body is never buffered:
 * uploads pull the request stream chunk by chunk (the request stays paused between chunks, so a slow database
 * slows the client down instead of filling the heap), downloads write {@code lo_get} chunks and wait for the
 * socket to drain. They authenticate exactly as {@code AuthFilter} does and answer failures as problem+json.
 */
@ApplicationScoped
public class FileRoutes {

    static final String FILES = "/api/v1/files/";

    private final RouteGate gate;
    private final FileStore store;
    private final Downloads downloads;
    private final RouterRequests requests;
    private final TransferSlots slots;
    private final FileConfig config;

    public FileRoutes(RouteGate gate, FileStore store, Downloads downloads, RouterRequests requests, TransferSlots slots, FileConfig config) {
        this.gate = gate;
        this.store = store;
        this.downloads = downloads;
        this.requests = requests;
        this.slots = slots;
        this.config = config;
    }

    void install(@Observes Router router) {
        router.put("/api/v1/files/*").order(-10).handler(this::putRaw);
        router.post("/api/v1/files").order(-10).handler(this::postMultipart);
        router.get("/api/v1/files/:id/content").order(-10).handler(ctx -> download(ctx, false));
        router.head("/api/v1/files/:id/content").order(-10).handler(ctx -> download(ctx, false));
        router.get("/api/v1/files/:id/versions/:version/content").order(-10).handler(ctx -> download(ctx, true));
        router.head("/api/v1/files/:id/versions/:version/content").order(-10).handler(ctx -> download(ctx, true));
    }

    // --- upload ---

    private void putRaw(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        req.pause();
        String requestId = requests.begin(ctx, "/api/v1/files/{path}");
        answerMalformedAtOnce(ctx, requestId);
        Uni.createFrom().deferred(() -> {
            String raw = req.path().substring(FILES.length());
            FilePath path = FilePaths.file(FilePaths.decode(raw));
            String type = ContentTypes.declared(req.getHeader("Content-Type"));
            long length = contentLength(req);
            return gate.admit(ctx, ApiKeys.SCOPE_WRITE).flatMap(tenant -> {
                slots.take(ctx, tenant);
                WatchedBody body = watch(ctx, req);
                return store.upload(tenant, path, type, length, MultiHelper.toMulti(body));
            });
        }).subscribe().with(saved -> created(ctx, saved, requestId), failure -> requests.fail(ctx, failure, requestId));
    }

    /** The body under the idle timeout, failed at once when the client goes away or sends what cannot be parsed. */
    private WatchedBody watch(RoutingContext ctx, ReadStream<Buffer> source) {
        WatchedBody body = new WatchedBody(ctx.vertx(), source, config.bodyIdleTimeout().toMillis());
        if (ctx.response().closed()) {
            body.abort(gone());
        }
        ctx.addEndHandler(done -> {
            if (done.failed()) {
                body.abort(done.cause());
            }
        });
        return body;
    }

    /**
     * A multipart form with one file part (the part's file name is the name; the folder comes from the query
     * parameter {@code folder} or a form field {@code folder} sent before the file). The part is streamed like a raw
     * body; the transaction commits only once the whole request has arrived.
     */
    private void postMultipart(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        req.pause();
        String requestId = requests.begin(ctx, "/api/v1/files");
        answerMalformedAtOnce(ctx, requestId);
        String contentType = Optional.ofNullable(req.getHeader("Content-Type")).orElse("");
        if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
            requests.fail(ctx, new ProblemException(415, "Unsupported Media Type", "Send multipart/form-data with one file part, or PUT the raw body to "
                    + FILES + "{path}"), requestId);
            return;
        }
        Uni.createFrom().deferred(() -> gate.admit(ctx, ApiKeys.SCOPE_WRITE)).flatMap(tenant -> {
            slots.take(ctx, tenant);
            long idle = config.bodyIdleTimeout().toMillis();
            Promise<Void> ended = Promise.promise();
            Promise<FileStore.Saved> result = Promise.promise();
            WatchedBody[] part = {null};
            // until the file part starts, and after it ended until the request has, the wait is bounded here
            long[] waiting = {ctx.vertx().setTimer(idle, id -> result.tryFail(idleTimeout(idle)))};
            ctx.addEndHandler(done -> {
                if (done.failed()) {
                    ended.tryFail(done.cause());
                    result.tryFail(done.cause());
                    if (part[0] != null) {
                        part[0].abort(done.cause());
                    }
                }
            });
            req.setExpectMultipart(true);
            if (ctx.response().closed()) {
                return Uni.createFrom().failure(gone());
            }
            req.exceptionHandler(e -> {
                ended.tryFail(malformed(e));
                if (part[0] != null) {
                    part[0].abort(malformed(e));
                }
                result.tryFail(malformed(e));
            });
            req.endHandler(v -> {
                ctx.vertx().cancelTimer(waiting[0]);
                if (part[0] == null) {
                    result.tryFail(ProblemException.badRequest("The form has no file part"));
                } else {
                    part[0].requestEnded(ProblemException.badRequest("The multipart body ended inside the file part (its closing boundary is missing)"));
                }
                ended.tryComplete();
            });
            req.uploadHandler(upload -> {
                if (part[0] != null) {
                    upload.pause();
                    ended.tryFail(ProblemException.badRequest("Send one file per request"));
                    return;
                }
                ctx.vertx().cancelTimer(waiting[0]);
                part[0] = new WatchedBody(ctx.vertx(), upload, idle);
                Uni.createFrom().deferred(() -> {
                    String folder = Optional.ofNullable(req.getParam("folder")).orElse(req.getFormAttribute("folder"));
                    FilePath path = FilePaths.file(FilePaths.folder(folder) + FilePaths.name(upload.filename()));
                    String type = ContentTypes.declared(upload.contentType());
                    Multi<Buffer> body = MultiHelper.toMulti((ReadStream<Buffer>) part[0]);
                    Uni<Void> whole = Uni.createFrom().completionStage(() -> ended.future().toCompletionStage());
                    // the form's length counts boundaries and fields too, so limits are checked on the part's streamed size
                    return store.upload(tenant, path, type, -1, body.onCompletion().call(() -> {
                        if (!req.isEnded()) {
                            waiting[0] = ctx.vertx().setTimer(idle, id -> ended.tryFail(idleTimeout(idle)));
                        }
                        req.resume();
                        return whole;
                    }));
                }).subscribe().with(result::tryComplete, result::tryFail);
            });
            req.resume();
            return Uni.createFrom().completionStage(() -> result.future().toCompletionStage());
        }).subscribe().with(saved -> created(ctx, saved, requestId), failure -> requests.fail(ctx, failure, requestId));
    }

    /**
     * A body the HTTP layer cannot parse (a bad chunk-size line) is reported on the connection, which is closed right
     * after: the 400 goes out now, while the upload rolls back on its own (its body fails too).
     */
    private void answerMalformedAtOnce(RoutingContext ctx, String requestId) {
        ctx.request().connection().exceptionHandler(e -> {
            if (!ctx.response().ended() && !ctx.response().closed() && !ctx.response().headWritten()) {
                requests.fail(ctx, malformed(e), requestId);
            }
        });
    }

    /** The connection closed (client gone, or a body the HTTP layer could not parse) before the upload began. */
    private static ProblemException gone() {
        return ProblemException.badRequest("The connection closed before the body was read");
    }

    static ProblemException idleTimeout(long millis) {
        return new ProblemException(408, "Request Timeout", "No part of the body arrived for " + millis / 1000.0 + " s; the upload was abandoned");
    }

    /** What the HTTP layer could not parse (a bad chunk size line, a broken multipart body) is the client's to fix. */
    static Throwable malformed(Throwable e) {
        return e instanceof ProblemException ? e : ProblemException.badRequest("The request body is malformed: " + e.getMessage());
    }

    private void created(RoutingContext ctx, FileStore.Saved saved, String requestId) {
        HttpServerResponse resp = ctx.response();
        if (resp.closed()) {
            return;
        }
        resp.setStatusCode(saved.created() ? 201 : 200).putHeader("Content-Type", "application/json")
                .putHeader(RequestIdFilter.HEADER, requestId);
        if (saved.created()) {
            resp.putHeader("Location", FILES + saved.file().id());
        }
        resp.end(requests.encode(saved.file()));
    }

    // --- download ---

    private void download(RoutingContext ctx, boolean version) {
        String requestId = requests.begin(ctx, version ? "/api/v1/files/{id}/versions/{version}/content" : "/api/v1/files/{id}/content");
        Uni.createFrom().deferred(() -> {
            UUID id = Ids.parse(ctx.pathParam("id"));
            Integer v = version ? positive(ctx.pathParam("version"), "version") : null;
            Integer w = optionalSize(ctx.request().getParam("w"), "w");
            Integer h = optionalSize(ctx.request().getParam("h"), "h");
            return gate.admit(ctx, ApiKeys.SCOPE_READ).flatMap(tenant -> {
                slots.take(ctx, tenant);
                if (w != null || h != null) {
                    if (v != null) {
                        throw ProblemException.badRequest("Thumbnails are made of the current version only");
                    }
                    return downloads.thumbnail(tenant, id, w, h);
                }
                return store.stored(tenant, id, v);
            });
        }).subscribe().with(stored -> downloads.send(ctx, stored, requestId), failure -> requests.fail(ctx, failure, requestId));
    }

    // --- shared ---

    /** The API-key check every /api route gets, then the tenant's request limit. */
    private static long contentLength(HttpServerRequest req) {
        String cl = req.getHeader("Content-Length");
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("Content-Length is not a number");
        }
    }

    private static Integer positive(String s, String what) {
        try {
            int v = Integer.parseInt(s);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ProblemException.badRequest(what + " must be a positive integer");
    }

    private Integer optionalSize(String s, String what) {
        if (s == null) {
            return null;
        }
        int max = downloads.maxThumbnail();
        try {
            int v = Integer.parseInt(s);
            if (v >= 1 && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ProblemException.badRequest(what + " must be an integer between 1 and " + max);
    }

}
