package dev.onebase.stats;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.auth.Caller;
import dev.onebase.stats.StatsRecords.History;
import dev.onebase.stats.StatsRecords.Usage;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** A tenant's own usage, as of the last refresh of the tenant_usage view, and its usage over time. */
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

    /** Requests per minute or day and storage over time ({@link StatsService#history}). */
    @GET
    @Path("/history")
    @Operation(summary = "Your usage over time", description = "Requests, 429 rejections and storage per minute (last 48 h) or per day (last 400 days), from and to as ISO 8601 instants.")
    public Uni<History> history(@QueryParam("resolution") String resolution, @QueryParam("from") String from, @QueryParam("to") String to) {
        return Uni.createFrom().deferred(() -> stats.history(caller.tenantId(), resolution, from, to));
    }
}
