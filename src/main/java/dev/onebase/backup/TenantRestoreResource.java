package dev.onebase.backup;

import java.util.List;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;

/** The records of tenant restores (docs/tenants.md); they start at {@code POST /admin/tenants/{id}/restore-to}. */
@Path("/admin/tenant-restores")
@Produces(MediaType.APPLICATION_JSON)
public class TenantRestoreResource {

    private final TenantRestore restores;

    public TenantRestoreResource(TenantRestore restores) {
        this.restores = restores;
    }

    @GET
    public List<TenantRestore.Run> list(@QueryParam("limit") @DefaultValue("100") String limit) {
        return restores.list(ListParams.limit(limit, 1000));
    }

    @GET
    @Path("/{id}")
    public TenantRestore.Run get(@PathParam("id") String id) {
        try {
            return restores.get(Long.parseLong(id));
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("id is not a number: " + id);
        }
    }
}
