package dev.onebase.backup;

import org.eclipse.microprofile.openapi.annotations.Operation;
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
    @Operation(summary = "Tenant restores", description = "The newest restores of one tenant to a point in time first: phase, percent, outcome and duration.")
    public List<TenantRestore.Run> list(@QueryParam("limit") @DefaultValue("100") String limit) {
        return restores.list(ListParams.limit(limit, 1000));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One tenant restore", description = "Its phase and percent while it runs, then its outcome, duration and the full copy it used.")
    public TenantRestore.Run get(@PathParam("id") String id) {
        try {
            return restores.get(Long.parseLong(id));
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("id is not a number: " + id);
        }
    }
}
