package dev.onebase.stats;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.auth.Caller;
import dev.onebase.stats.StatsRecords.Usage;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** A tenant's own usage, as of the last refresh of the tenant_usage view. */
@Path("/api/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
public class UsageResource {

    private final StatsService stats;
    private final Caller caller;

    public UsageResource(StatsService stats, Caller caller) {
        this.stats = stats;
        this.caller = caller;
    }

    @GET
    @Operation(summary = "Your usage", description = "Files, bytes stored, cache entries, live sessions, keys and requests of the last day, as of the last refresh. Read scope.")
    public Uni<Usage> usage() {
        return stats.usage(caller.tenantId());
    }
}
