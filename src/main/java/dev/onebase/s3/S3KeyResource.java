package dev.onebase.s3;

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

import dev.onebase.auth.Caller;
import dev.onebase.s3.S3KeyRecords.S3KeyRequest;
import dev.onebase.s3.S3KeyRecords.S3KeyView;
import dev.onebase.web.Ids;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** A tenant's S3 access keys (under /api/v1/keys, so changes need the manage scope as API keys do). */
@Path("/api/v1/keys/s3")
@Produces(MediaType.APPLICATION_JSON)
public class S3KeyResource {

    private final S3KeyStore keys;
    private final Caller caller;

    public S3KeyResource(S3KeyStore keys, Caller caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @GET
    @Operation(summary = "List S3 access keys", description = "Your tenant's access keys for the S3 API; never the secret. Manage scope.")
    public Uni<List<S3KeyView>> list() {
        return keys.list(caller.tenantId());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an S3 access key", description = "A new access key id and secret access key for the S3 API; the secret is shown only this once. Manage scope.")
    @APIResponse(responseCode = "201", description = "the access key, with its secret", content = @Content(mediaType = "application/json", schema = @Schema(implementation = S3KeyRecords.NewS3Key.class)))
    @APIResponse(responseCode = "422", description = "a name over 100 characters, or bad scopes")
    public Uni<Response> create(S3KeyRequest request) {
        S3KeyRequest r = request == null ? new S3KeyRequest(null, null) : request;
        return keys.create(caller.tenantId(), r.name(), r.scopes()).map(k -> Response.status(201).entity(k).build());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke an S3 access key", description = "Revokes the access key (idempotent). Manage scope.")
    public Uni<S3KeyView> revoke(@PathParam("id") String id) {
        return keys.revoke(caller.tenantId(), Ids.parse(id));
    }
}
