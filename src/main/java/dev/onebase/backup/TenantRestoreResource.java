package dev.onebase.backup;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.web.Ids;
import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;

/** One tenant back to a point in time (docs/tenants.md), behind the admin credential. */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
public class TenantRestoreResource {

    private final TenantRestore restores;

    public TenantRestoreResource(TenantRestore restores) {
        this.restores = restores;
    }

    /** 202: started; poll {@code GET /admin/tenant-restores/{id}} for its phase, percent and outcome. */
    @POST
    @Path("/tenants/{id}/restore-to")
    public Response restoreTo(@PathParam("id") String id, @QueryParam("time") String time,
            @QueryParam("mode") @DefaultValue("replace") String mode, @QueryParam("slug") String slug) {
        if (time == null || time.isBlank()) {
            throw ProblemException.badRequest("time is required (ISO 8601, e.g. 2026-11-24T14:46:00Z)");
        }
        Instant at;
        try {
            at = Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("time is not an ISO 8601 instant (e.g. 2026-11-24T14:46:00Z): " + time);
        }
        return Response.accepted(restores.start(Ids.parse(id), at, mode, slug)).build();
    }

    @GET
    @Path("/tenant-restores")
    public List<TenantRestore.Run> list(@QueryParam("limit") @DefaultValue("100") String limit) {
        return restores.list(ListParams.limit(limit, 1000));
    }

    @GET
    @Path("/tenant-restores/{id}")
    public TenantRestore.Run get(@PathParam("id") String id) {
        try {
            return restores.get(Long.parseLong(id));
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("id is not a number: " + id);
        }
    }
}
