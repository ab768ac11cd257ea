package dev.onebase.web;

import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/** The one place where failures become {@code application/problem+json}: no stack trace ever leaves the service. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    static final String NUL_DETAIL = "Text may not contain the NUL character (U+0000)";

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return respond(e.status(), e.title(), e.getMessage(), uri, e.headers());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        // the JSON reader wraps Jackson's complaint; say what it was
        if (e.getCause() instanceof JsonParseException parse) {
            return malformed(parse, uri);
        }
        if (e.getCause() instanceof JsonMappingException mapping) {
            return mapping instanceof UnrecognizedPropertyException unknown ? unknownField(unknown, uri) : mapping(mapping, uri);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
            return respond(status, reason(status), "The service could not complete the request", uri, Map.of());
        }
        String detail = switch (status) {
            case 404 -> "No such resource: " + uri.getPath();
            case 405 -> "Method not allowed on " + uri.getPath();
            case 406 -> "None of the accepted media types can be produced";
            case 415 -> "Unsupported media type; send application/json";
            default -> e.getMessage();
        };
        return respond(status, reason(status), detail, uri, Map.of());
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, UriInfo uri) {
        return respond(400, "Bad Request", "Unknown field '" + e.getPropertyName() + "'", uri, Map.of());
    }

    @ServerExceptionMapper
    public Response badValue(InvalidFormatException e, UriInfo uri) {
        return respond(400, "Bad Request", "Invalid value for '" + path(e) + "'", uri, Map.of());
    }

    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e, UriInfo uri) {
        return mapping(e, uri);
    }

    @ServerExceptionMapper
    public Response mapping(JsonMappingException e, UriInfo uri) {
        String where = path(e);
        return respond(400, "Bad Request", where.isEmpty() ? "The JSON body does not have the expected shape"
                : "Invalid or missing value for '" + where + "'", uri, Map.of());
    }

    @ServerExceptionMapper
    public Response malformed(JsonParseException e, UriInfo uri) {
        return respond(400, "Bad Request", "Malformed JSON: " + e.getOriginalMessage(), uri, Map.of());
    }

    @ServerExceptionMapper
    public Response database(PgException e, UriInfo uri) {
        String state = e.getSqlState() == null ? "" : e.getSqlState();
        return switch (state) {
            case "23505" -> respond(409, "Conflict", "It already exists", uri, Map.of());
            case "23503" -> respond(409, "Conflict", "It refers to something that does not exist or is still referred to", uri, Map.of());
            case "23514", "23502", "22001", "22023" -> respond(422, "Unprocessable Content", "The value breaks a rule of the data", uri, Map.of());
            case "22P02" -> respond(400, "Bad Request", "Malformed value", uri, Map.of());
            // PostgreSQL text cannot hold U+0000 (nor jsonb its escape): the client sent it, so it is the client's to fix
            case "22021", "22P05" -> respond(400, "Bad Request", NUL_DETAIL, uri, Map.of());
            case "42501" -> respond(403, "Forbidden", "Not permitted", uri, Map.of());
            // any other data exception is a value the database cannot take (an overflow, a bad date): the client's
            default -> isOutage(state) ? unavailable(e, uri) : state.startsWith("22") ? respond(422, "Unprocessable Content", "A value cannot be stored: " + e.getErrorMessage(), uri, Map.of())
                    : failure(e, uri);
        };
    }

    @ServerExceptionMapper
    public Response closed(ClosedConnectionException e, UriInfo uri) {
        return unavailable(e, uri);
    }

    @ServerExceptionMapper
    public Response connect(ConnectException e, UriInfo uri) {
        return unavailable(e, uri);
    }

    /**
     * The Vert.x pool's failure when no connection became free in time (db/PoolSetup bounds the wait): "Timeout" from
     * {@code getConnection} and {@code withTransaction}, "Timeout waiting for connection" from {@code pool.query} and
     * {@code pool.preparedQuery}.
     */
    public static boolean isPoolTimeout(Throwable e) {
        return e instanceof io.vertx.core.impl.NoStackTraceThrowable && "Timeout".equals(e.getMessage())
                || e instanceof io.vertx.core.VertxException && "Timeout waiting for connection".equals(e.getMessage());
    }

    @ServerExceptionMapper
    public Response any(Throwable e, UriInfo uri) {
        if (isPoolTimeout(e)) {
            // every request connection stayed busy for the pool wait (onebase.db.pool-wait): a bounded wait, not a failure
            return respond(503, "Service Unavailable", "The service is busy; try again shortly", uri, Map.of("Retry-After", "1"));
        }
        if (isConnectionFailure(e)) {
            return unavailable(e, uri);
        }
        return failure(e, uri);
    }

    /**
     * A database that restarts or fails over cuts its connections in several ways: refused, reset mid-read, a broken
     * pipe mid-write, a connection the client already marked closed, the server's own shutdown SQLSTATEs. Each is an
     * outage (503, retry), not the service's bug.
     */
    static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedConnectionException || t instanceof SocketException
                    || t instanceof ClosedChannelException || t.getClass().getName().equals("io.netty.channel.unix.Errors$NativeIoException")
                    || t instanceof PgException pg && isOutage(pg.getSqlState())) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.startsWith("Connection refused") || m.startsWith("Connection is not active")
                    || m.startsWith("Connection reset") || m.contains("Broken pipe") || m.startsWith("Failed to read any response from the server"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isOutage(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300"));
    }

    private static Response unavailable(Throwable e, UriInfo uri) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg && "57POB".equals(pg.getSqlState())) {
                // tenant_scope (V21): the tenant's dedicated schema does not match the shared tables; an operator repairs it
                LOG.warnf("tenant refused: %s", pg.getErrorMessage());
                return respond(503, "Service Unavailable", "This tenant's data is unavailable until its dedicated schema is repaired by an operator",
                        uri, Map.of("Retry-After", "60"));
            }
        }
        LOG.warnf("database unavailable: %s", e.getMessage());
        return respond(503, "Service Unavailable", "The database is unreachable; try again shortly", uri, Map.of("Retry-After", "5"));
    }

    private static Response failure(Throwable e, UriInfo uri) {
        LOG.error("request failed", e);
        return respond(500, "Internal Server Error", "The service could not complete the request", uri, Map.of());
    }

    public static Response respond(int status, String title, String detail, UriInfo uri, Map<String, String> headers) {
        return respond(status, title, detail, uri == null ? null : uri.getPath(), headers);
    }

    public static Response respond(int status, String title, String detail, String instance, Map<String, String> headers) {
        Object requestId = MDC.get(RequestIdFilter.MDC_KEY);
        Problem body = new Problem("urn:onebase:problem:" + status, title, status, detail, instance,
                requestId == null ? null : requestId.toString());
        Response.ResponseBuilder builder = Response.status(status).type(Problem.MEDIA_TYPE).entity(body);
        headers.forEach(builder::header);
        return builder.build();
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    static String reason(int status) {
        Response.Status s = Response.Status.fromStatusCode(status);
        return s == null ? "Error" : s.getReasonPhrase();
    }
}
