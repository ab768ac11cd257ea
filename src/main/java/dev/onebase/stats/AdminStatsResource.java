package dev.onebase.stats;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.stats.StatsRecords.Dashboard;
import dev.onebase.stats.StatsRecords.History;
import dev.onebase.stats.StatsRecords.UsagePage;
import dev.onebase.web.Ids;
import dev.onebase.web.ListParams;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The operator's dashboard and every tenant's usage, behind the admin credential. */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminStatsResource {

    private final StatsService stats;

    public AdminStatsResource(StatsService stats) {
        this.stats = stats;
    }

    @GET
    @Path("/dashboard")
    @Operation(summary = "Dashboard", description = "Tenant counts by status, growth and storage across all tenants.")
    public Uni<Dashboard> dashboard() {
        return stats.dashboard();
    }

    /** Per-tenant usage by slug; {@code after} is the {@code next} of the previous page. */
    @GET
    @Path("/usage")
    @Operation(summary = "Every tenant's usage", description = "Usage per tenant by slug, a page at a time.")
    public Uni<UsagePage> allTenantsUsage(@QueryParam("after") String after, @QueryParam("limit") @DefaultValue("100") String limit) {
        return stats.allUsage(after, ListParams.limit(limit, 500));
    }

    /** One tenant's usage over time, as the tenant sees it at /api/v1/usage/history. */
    @GET
    @Path("/usage/{tenant}/history")
    @Operation(summary = "A tenant's usage over time", description = "Requests, 429 rejections and storage per minute (last 48 h) or per day (last 400 days), from and to as ISO 8601 instants.")
    public Uni<History> tenantHistory(@PathParam("tenant") String tenant, @QueryParam("resolution") String resolution,
            @QueryParam("from") String from, @QueryParam("to") String to) {
        return Uni.createFrom().deferred(() -> stats.history(Ids.parse(tenant), resolution, from, to));
    }
}
