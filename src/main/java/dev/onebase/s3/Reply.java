package dev.onebase.s3;

import org.jboss.logging.Logger;

import dev.onebase.web.ProblemException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** Writes one S3 answer: XML documents, empty answers and S3 errors (object bodies go through the file routes' pump, Downloads#stream). */
final class Reply {

    private static final Logger LOG = Logger.getLogger(Reply.class);
    private static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    private Reply() {
    }

    static void xml(Request req, int status, String body) {
        HttpServerResponse resp = req.http.response();
        if (resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", "application/xml").putHeader("x-amz-request-id", req.requestId);
        resp.end(body);
    }

    static void empty(Request req, int status) {
        HttpServerResponse resp = req.http.response();
        if (!resp.closed()) {
            resp.setStatusCode(status).putHeader("x-amz-request-id", req.requestId).end();
        }
    }

    /** A failure as S3 answers it; what is not an S3Error is translated (the problem statuses onebase uses). */
    static void fail(HttpServerRequest http, String resource, String requestId, Throwable failure, boolean bodyAsked) {
        HttpServerResponse resp = http.response();
        S3Error e = translate(failure);
        if (e.status() >= 500 && !(failure instanceof S3Error)) {
            LOG.errorf(failure, "S3 request %s failed", requestId);
        }
        if (resp.closed() || resp.headWritten()) {
            if (!resp.closed()) {
                resp.reset();
            }
            return;
        }
        resp.setStatusCode(e.status()).putHeader("x-amz-request-id", requestId);
        String body = http.method().name().equals("HEAD") ? "" : Xml.error(e, resource, requestId);
        if (!body.isEmpty()) {
            resp.putHeader("Content-Type", "application/xml");
        }
        long declared = declaredLength(http);
        if (http.isEnded() || declared == 0 || declared < 0 && http.getHeader("Transfer-Encoding") == null) {
            resp.end(body);
            return;
        }
        boolean waiting = "100-continue".equalsIgnoreCase(http.getHeader("Expect")) && !bodyAsked;
        if (declared >= 0 && declared <= DRAIN_LIMIT && !waiting) {
            // a client still sending a small body would see a reset instead of the answer: read and drop the rest
            http.handler(ignored -> {
            });
            http.exceptionHandler(ignored -> {
            });
            http.endHandler(v -> resp.end(body));
            http.resume();
            return;
        }
        resp.putHeader("Connection", "close");
        resp.end(body).onComplete(x -> http.connection().close());
    }

    static S3Error translate(Throwable failure) {
        if (failure instanceof S3Error e) {
            return e;
        }
        if (failure instanceof ProblemException p) {
            String detail = p.getMessage();
            return switch (p.status()) {
                case 400, 422 -> S3Error.invalidArgument(detail);
                case 401, 403 -> S3Error.accessDenied(detail);
                case 404 -> new S3Error(404, "NoSuchKey", detail);
                case 409 -> new S3Error(409, "OperationAborted", detail);
                case 413 -> detail != null && detail.contains("quota") ? new S3Error(403, "QuotaExceeded", detail)
                        : new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size: " + detail);
                case 429 -> new S3Error(503, "SlowDown", "Please reduce your request rate.");
                case 503 -> new S3Error(503, "ServiceUnavailable", detail);
                default -> new S3Error(500, "InternalError", "We encountered an internal error. Please try again.");
            };
        }
        return new S3Error(500, "InternalError", "We encountered an internal error. Please try again.");
    }

    private static long declaredLength(HttpServerRequest http) {
        try {
            String cl = http.getHeader("Content-Length");
            return cl == null ? -1 : Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
