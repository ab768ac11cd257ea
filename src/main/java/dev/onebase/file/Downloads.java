package dev.onebase.file;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.file.FileRecords.Stored;
import dev.onebase.web.EntityTags;
import dev.onebase.web.Problem;
import dev.onebase.web.ProblemException;
import dev.onebase.web.RequestIdFilter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Sends stored content: conditional requests, single byte ranges, and content read from the database one chunk at a
 * time ({@link ChunkReader}: a large object or segments), the next chunk fetched only when the socket has room. The
 * same pump sends S3 GetObject's bodies ({@link #stream}). The OID always comes from a row RLS let this tenant see;
 * large objects themselves are not under RLS.
 */
@ApplicationScoped
public class Downloads {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Downloads.class);

    private final Pool pool;
    private final FileConfig config;
    private final Thumbnails thumbnails;

    public Downloads(Pool pool, FileConfig config, Thumbnails thumbnails) {
        this.pool = pool;
        this.config = config;
        this.thumbnails = thumbnails;
    }

    int maxThumbnail() {
        return config.thumbnailMaxSize();
    }

    Uni<Stored> thumbnail(UUID tenant, UUID id, Integer w, Integer h) {
        return thumbnails.get(tenant, id, w, h);
    }

    /** A single byte range, inclusive. */
    record Range(long start, long end) {
        long length() {
            return end - start + 1;
        }
    }

    public void send(RoutingContext ctx, Stored s, String requestId) {
        HttpServerResponse resp = ctx.response();
        var req = ctx.request();
        String etag = s.etag();
        resp.putHeader(RequestIdFilter.HEADER, requestId)
                .putHeader("ETag", etag)
                .putHeader("Cache-Control", "private, no-cache")
                .putHeader("X-Content-Type-Options", "nosniff");
        if (EntityTags.noneMatchFails(req.getHeader("If-None-Match"), etag)) {
            resp.setStatusCode(304).end();
            return;
        }
        resp.putHeader("Accept-Ranges", "bytes")
                .putHeader("Content-Type", s.contentType())
                .putHeader("Content-Disposition", FilePaths.disposition(ContentTypes.inlineSafe(s.contentType()) ? "inline" : "attachment", s.name()));
        Range range;
        String ifRange = req.getHeader("If-Range");
        if (ifRange != null && !ifRange.trim().equals(etag)) {
            range = null;
        } else {
            range = parseRange(req.getHeader("Range"), s.size());
        }
        if (range != null && range.start() < 0) {
            resp.putHeader("Content-Range", "bytes */" + s.size());
            String body = "{\"type\":\"urn:onebase:problem:416\",\"title\":\"Range Not Satisfiable\",\"status\":416,\"detail\":\"The file has "
                    + s.size() + " bytes\",\"requestId\":\"" + requestId + "\"}";
            resp.setStatusCode(416).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Content-Disposition", "inline");
            resp.end(req.method().name().equals("HEAD") ? "" : body);
            return;
        }
        Range r = range == null ? new Range(0, s.size() - 1) : range;
        if (range != null) {
            resp.setStatusCode(206).putHeader("Content-Range", "bytes " + r.start() + "-" + r.end() + "/" + s.size());
        }
        resp.putHeader("Content-Length", Long.toString(Math.max(0, r.length())));
        if (req.method().name().equals("HEAD") || s.size() == 0) {
            resp.end();
            return;
        }
        stream(ctx.vertx(), resp, s, r.start(), r.end() + 1, h -> ctx.addEndHandler(v -> h.run()));
    }

    /**
     * Sends the bytes [start, end) of stored content as the response's body (its head already set) and ends it:
     * inline content at once, streamed content through one pump with back-pressure. {@code onEnd} registers what must
     * run when the response ends or its connection goes (the pump's release of its database connection).
     */
    public void stream(io.vertx.core.Vertx vertx, HttpServerResponse resp, Stored s, long start, long end, java.util.function.Consumer<Runnable> onEnd) {
        if (s.content() != null) {
            // up to 1 MiB in one write: end only once it is on the socket (see Pump.last: a shutdown closes right after the end)
            resp.write(s.content().slice((int) start, (int) end)).onComplete(written -> {
                if (written.succeeded() && !resp.ended() && !resp.closed()) {
                    resp.end();
                }
            });
        } else if (s.streamed()) {
            pool.getConnection().subscribe().with(conn -> new Pump(vertx, resp, conn, s, start, end).start(onEnd), failure -> resp.reset());
        } else {
            resp.reset();
        }
    }

    /**
     * The range asked for, or null for the whole file (no header, a header this does not understand, several
     * ranges); a range with a negative start means unsatisfiable.
     */
    static Range parseRange(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (!h.startsWith("bytes=") || h.contains(",")) {
            return null;
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                long n = Long.parseLong(b);
                if (n <= 0 || size == 0) {
                    return new Range(-1, -1);
                }
                return new Range(Math.max(0, size - n), size - 1);
            }
            long start = Long.parseLong(a);
            long end = b.isEmpty() ? size - 1 : Long.parseLong(b);
            if (start >= size) {
                return new Range(-1, -1);
            }
            if (end < start) {
                return null;
            }
            return new Range(start, Math.min(end, size - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Reads the content chunk by chunk and writes each one out: the next chunk is already being read while the
     * current one is written, and nothing more is read while the socket's queue is full.
     */
    private final class Pump {
        private final io.vertx.core.Vertx vertx;
        private final HttpServerResponse resp;
        private final SqlConnection conn;
        private final ChunkReader reader;
        private boolean done;
        private long stalled = -1;

        Pump(io.vertx.core.Vertx vertx, HttpServerResponse resp, SqlConnection conn, Stored s, long start, long end) {
            this.vertx = vertx;
            this.resp = resp;
            this.conn = conn;
            this.reader = new ChunkReader(conn, s, start, end, (int) config.chunkSize().asLongValue());
        }

        void start(java.util.function.Consumer<Runnable> onEnd) {
            onEnd.accept(this::finish);
            pump();
        }

        private void pump() {
            if (done) {
                return;
            }
            reader.next().subscribe().with(b -> {
                if (done) {
                    return;
                }
                if (!reader.hasNext()) {
                    last(b);
                    return;
                }
                resp.write(b);
                if (resp.writeQueueFull()) {
                    // a client that stops reading must not keep the connection: it gets the body idle timeout
                    stalled = vertx.setTimer(config.bodyIdleTimeout().toMillis(), id -> fail());
                    // one-shot: a handler left in place would start a second pump on a later drain
                    resp.drainHandler(v -> {
                        resp.drainHandler(null);
                        vertx.cancelTimer(stalled);
                        pump();
                    });
                } else {
                    pump();
                }
            }, failure -> {
                LOG.warnf("download stopped: %s", failure.toString());
                fail();
            });
        }

        /**
         * Writes the last chunk, and ends the response only once every byte is on the socket. The end is what tells a
         * graceful shutdown that this exchange is over (Quarkus counts a request done when its response ends), and
         * the shutdown then closes the connection, dropping whatever still waits in the connection's own buffer: ending
         * earlier let a SIGTERM cut a download that a slow client was still reading. The database connection goes back
         * at once; a client that stops reading meanwhile gets the body idle timeout.
         */
        private void last(Buffer b) {
            finish();
            stalled = vertx.setTimer(config.bodyIdleTimeout().toMillis(), id -> {
                if (!resp.ended() && !resp.closed()) {
                    resp.reset();
                }
            });
            resp.write(b).onComplete(written -> {
                vertx.cancelTimer(stalled);
                if (written.succeeded() && !resp.ended() && !resp.closed()) {
                    resp.end();
                }
            });
        }

        private void fail() {
            if (!done && !resp.closed()) {
                resp.reset();
            }
            finish();
        }

        private void finish() {
            if (!done) {
                done = true;
                vertx.cancelTimer(stalled);
                conn.close().subscribe().with(x -> {
                }, x -> {
                });
            }
        }
    }

    static ProblemException notAnImage() {
        return ProblemException.unprocessable("The file is not a valid PNG or JPEG image");
    }
}
