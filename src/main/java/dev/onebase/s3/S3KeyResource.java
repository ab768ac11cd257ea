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
    public Uni<List<S3KeyView>> list() {
        return keys.list(caller.tenantId());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(S3KeyRequest request) {
        S3KeyRequest r = request == null ? new S3KeyRequest(null, null) : request;
        return keys.create(caller.tenantId(), r.name(), r.scopes()).map(k -> Response.status(201).entity(k).build());
    }

    @DELETE
    @Path("/{id}")
    public Uni<S3KeyView> revoke(@PathParam("id") String id) {
        return keys.revoke(caller.tenantId(), Ids.parse(id));
    }
}
