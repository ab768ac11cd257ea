package dev.onebase.session;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.auth.Caller;
import dev.onebase.session.SessionStore.Session;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Sessions over HTTP. The token travels in the {@code X-Session-Token} header (never in a URL, where logs keep
 * it); a listed session is addressed by its handle (the token's hash), which cannot be turned back into a token.
 */
@Path("/api/v1/sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    public static final String TOKEN_HEADER = "X-Session-Token";
    private static final int MAX_DATA_BYTES = 32 * 1024;

    public record CreateSession(String userId, JsonNode data, Long idleTimeoutSeconds, Long maxAgeSeconds) {
    }

    public record UpdateSession(JsonNode data) {
    }

    public record Revoked(long revoked) {
    }

    private final SessionStore store;
    private final Caller caller;
    private final SessionConfig config;

    public SessionResource(SessionStore store, Caller caller, SessionConfig config) {
        this.store = store;
        this.caller = caller;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a session", description = "Starts a session for one of your users with its data; the answer holds the session token (send it as X-Session-Token). Write scope.")
    @APIResponse(responseCode = "201", description = "the session and its token", content = @Content(mediaType = "application/json", schema = @Schema(implementation = SessionStore.Created.class)))
    @APIResponse(responseCode = "413", description = "data over its limit")
    public Uni<Response> create(CreateSession body) {
        if (body == null) {
            throw ProblemException.badRequest("A JSON body is required");
        }
        checkUser(body.userId());
        long max = config.maxLifetime().toSeconds();
        long idle = body.idleTimeoutSeconds() == null ? config.defaultIdle().toSeconds() : body.idleTimeoutSeconds();
        if (idle < 1 || idle > max) {
            throw ProblemException.badRequest("idleTimeoutSeconds must be between 1 and " + max);
        }
        if (body.maxAgeSeconds() != null && (body.maxAgeSeconds() < 1 || body.maxAgeSeconds() > max)) {
            throw ProblemException.badRequest("maxAgeSeconds must be between 1 and " + max);
        }
        return store.create(caller.tenantId(), body.userId(), data(body.data()), idle, body.maxAgeSeconds())
                .map(created -> Response.status(201).entity(created).build());
    }

    /** Reads the session and slides its expiry. */
    @GET
    @Path("current")
    @Operation(summary = "Read the current session", description = "The session of the X-Session-Token header; reading it slides its idle expiry. Read scope.")
    public Uni<Session> current(@HeaderParam(TOKEN_HEADER) String token) {
        return store.read(caller.tenantId(), token(token)).map(s -> s.orElseThrow(SessionResource::gone));
    }

    /** Replaces the session's data (and slides its expiry). */
    @PUT
    @Path("current")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change the current session's data", description = "Replaces the data of the session of the X-Session-Token header. Write scope.")
    @APIResponse(responseCode = "200", description = "the session, changed", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Session.class)))
    @APIResponse(responseCode = "413", description = "data over its limit")
    public Uni<Session> update(@HeaderParam(TOKEN_HEADER) String token, UpdateSession body) {
        String t = token(token);
        if (body == null || body.data() == null || body.data().isNull()) {
            throw ProblemException.badRequest("data (a JSON object) is required");
        }
        return store.update(caller.tenantId(), t, data(body.data())).map(s -> s.orElseThrow(SessionResource::gone));
    }

    @DELETE
    @Path("current")
    @Operation(summary = "End the current session", description = "Ends the session of the X-Session-Token header (sign-out). Write scope.")
    @APIResponse(responseCode = "204", description = "ended")
    public Uni<Response> destroy(@HeaderParam(TOKEN_HEADER) String token) {
        return store.destroy(caller.tenantId(), token(token)).map(done -> {
            if (!done) {
                throw gone();
            }
            return Response.noContent().build();
        });
    }

    /** Revokes one session of a listing by its handle. */
    @DELETE
    @Path("{handle}")
    @Operation(summary = "Revoke a session", description = "Ends a session by its handle (from the list). Write scope.")
    @APIResponse(responseCode = "204", description = "revoked")
    public Uni<Response> revoke(@PathParam("handle") String handle) {
        return store.destroyByHandle(caller.tenantId(), handle).map(done -> {
            if (!done) {
                throw ProblemException.notFound("No such session");
            }
            return Response.noContent().build();
        });
    }

    /** A user's live sessions, newest first (at most 1000). */
    @GET
    @Operation(summary = "List a user's sessions", description = "The live sessions of one user. Read scope.")
    public Uni<List<Session>> list(@QueryParam("userId") String userId) {
        checkUser(userId);
        return store.list(caller.tenantId(), userId, 1000);
    }

    /** Revokes every session of a user. */
    @DELETE
    @Operation(summary = "Revoke a user's sessions", description = "Ends every session of one user (sign out everywhere). Write scope.")
    public Uni<Revoked> revokeAll(@QueryParam("userId") String userId) {
        checkUser(userId);
        return store.revokeAll(caller.tenantId(), userId).map(Revoked::new);
    }

    private static String token(String token) {
        if (token == null || token.isBlank()) {
            throw ProblemException.badRequest("Send the session token in the " + TOKEN_HEADER + " header");
        }
        if (token.length() > 100) {
            throw gone();
        }
        return token.trim();
    }

    private static void checkUser(String userId) {
        if (userId == null || userId.isEmpty() || userId.length() > 256 || userId.indexOf('\0') >= 0) {
            throw ProblemException.badRequest("userId is required: 1-256 characters");
        }
    }

    private static JsonObject data(JsonNode data) {
        if (data == null || data.isNull()) {
            return new JsonObject();
        }
        if (!data.isObject()) {
            throw ProblemException.badRequest("data must be a JSON object");
        }
        String json = data.toString();
        if (json.length() > MAX_DATA_BYTES) {
            throw ProblemException.tooLarge("Session data is limited to " + MAX_DATA_BYTES + " bytes of JSON");
        }
        return new JsonObject(json);
    }

    private static ProblemException gone() {
        return ProblemException.notFound("No such session, or it has expired");
    }
}
