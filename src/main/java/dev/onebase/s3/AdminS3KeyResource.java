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

/** The operator's view of a tenant's S3 access keys. */
@Path("/admin/tenants/{tenant}/s3-keys")
@Produces(MediaType.APPLICATION_JSON)
public class AdminS3KeyResource {

    private final S3KeyStore keys;

    public AdminS3KeyResource(S3KeyStore keys) {
        this.keys = keys;
    }

    @GET
    public Uni<List<S3KeyView>> list(@PathParam("tenant") String tenant) {
        return keys.list(Ids.parse(tenant));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(@PathParam("tenant") String tenant, S3KeyRequest request) {
        S3KeyRequest r = request == null ? new S3KeyRequest(null, null) : request;
        return keys.create(Ids.parse(tenant), r.name(), r.scopes()).map(k -> Response.status(201).entity(k).build());
    }

    @DELETE
    @Path("/{id}")
    public Uni<S3KeyView> revoke(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        return keys.revoke(Ids.parse(tenant), Ids.parse(id));
    }
}
