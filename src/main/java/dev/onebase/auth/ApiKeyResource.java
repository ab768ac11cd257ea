package dev.onebase.auth;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.auth.ApiKeyRecords.KeyRequest;
import dev.onebase.auth.ApiKeyRecords.KeyView;
import dev.onebase.web.Ids;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** A tenant's API keys: list, create (the secret is in this answer only), revoke. */
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
public class ApiKeyResource {

    private final ApiKeyStore keys;
    private final Caller caller;

    public ApiKeyResource(ApiKeyStore keys, Caller caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @GET
    @Operation(summary = "List API keys", description = "Your tenant's keys: prefix, scopes, created, last used, revoked; never the secret. Manage scope.")
    public Uni<List<KeyView>> keys() {
        return keys.list(caller.tenantId());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API key", description = "A new key with the scopes asked for (all by default). The answer holds the secret, shown only this once. Manage scope.")
    @APIResponse(responseCode = "201", description = "the key, with its secret", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiKeyRecords.NewKey.class)))
    @APIResponse(responseCode = "422", description = "a name over 100 characters, or scopes outside read, write, manage")
    public Uni<Response> createKey(KeyRequest request) {
        KeyRequest r = request == null ? new KeyRequest(null, null) : request;
        return keys.create(caller.tenantId(), r.name(), r.scopes()).map(k -> Response.status(201).entity(k).build());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke an API key", description = "Revokes the key (idempotent): it stops at once on every replica. Manage scope.")
    public Uni<KeyView> revoke(@PathParam("id") String id) {
        return keys.revoke(caller.tenantId(), Ids.parse(id));
    }
}
