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

import dev.onebase.s3.S3KeyRecords.S3KeyRequest;
import dev.onebase.s3.S3KeyRecords.S3KeyView;
import dev.onebase.web.Ids;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The operator's view of a tenant's S3 access keys. */
@Path("/admin/tenants/{tenant}/s3-keys")
@Produces(MediaType.APPLICATION_JSON)
public class AdminS3KeyResource {

    private final S3KeyStore keys;

    public AdminS3KeyResource(S3KeyStore keys) {
        this.keys = keys;
    }

    @GET
    @Operation(summary = "List a tenant's S3 access keys", description = "Any tenant's S3 access keys; never the secret.")
    public Uni<List<S3KeyView>> list(@PathParam("tenant") String tenant) {
        return keys.list(Ids.parse(tenant));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an S3 access key for a tenant", description = "A new access key for the tenant; the secret is shown only this once.")
    @APIResponse(responseCode = "201", description = "the access key, with its secret", content = @Content(mediaType = "application/json", schema = @Schema(implementation = S3KeyRecords.NewS3Key.class)))
    @APIResponse(responseCode = "422", description = "a name over 100 characters, or bad scopes")
    public Uni<Response> create(@PathParam("tenant") String tenant, S3KeyRequest request) {
        S3KeyRequest r = request == null ? new S3KeyRequest(null, null) : request;
        return keys.create(Ids.parse(tenant), r.name(), r.scopes()).map(k -> Response.status(201).entity(k).build());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke a tenant's S3 access key", description = "Revokes the access key (idempotent).")
    public Uni<S3KeyView> revoke(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        return keys.revoke(Ids.parse(tenant), Ids.parse(id));
    }
}
