package dev.onebase.ratelimit;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.onebase.auth.Caller;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** consume(key, limit, period, cost) for the tenant's own limits: always 200, the decision is in the body. */
@Path("/api/v1/rate-limits")
public class RateLimitResource {

    public record ConsumeRequest(Long limit, Long periodMs, Long cost) {
    }

    private final RateLimiter limiter;
    private final Caller caller;

    public RateLimitResource(RateLimiter limiter, Caller caller) {
        this.limiter = limiter;
        this.caller = caller;
    }

    @POST
    @Path("{key}/consume")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Consume from a rate limit", description = "Takes cost (default 1) from the GCRA bucket of your key: allowed or not, what remains and when to retry. Write scope.")
    @APIResponse(responseCode = "200", description = "the decision: allowed or not, what remains, when to retry", content = @Content(mediaType = "application/json", schema = @Schema(implementation = RateLimiter.Decision.class)))
    @APIResponse(responseCode = "422", description = "a cost that can never fit in the limit")
    public Uni<RateLimiter.Decision> consume(@PathParam("key") String key, ConsumeRequest body) {
        if (key.length() > 512 || key.indexOf('\0') >= 0) {
            throw ProblemException.badRequest("The key must be at most 512 characters without NUL");
        }
        if (body == null || body.limit() == null || body.periodMs() == null) {
            throw ProblemException.badRequest("limit and periodMs are required");
        }
        long cost = body.cost() == null ? 1 : body.cost();
        if (body.limit() < 1 || body.limit() > 1_000_000_000L) {
            throw ProblemException.badRequest("limit must be between 1 and 1000000000");
        }
        if (body.periodMs() < 1 || body.periodMs() > 366L * 24 * 3600 * 1000) {
            throw ProblemException.badRequest("periodMs must be between 1 and one year");
        }
        if (cost < 0) {
            throw ProblemException.badRequest("cost must not be negative");
        }
        return limiter.consume(caller.tenantId(), key, body.limit(), body.periodMs(), cost);
    }
}
