package dev.onebase.job;

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

import dev.onebase.job.JobRecords.JobView;
import dev.onebase.job.JobRecords.RunPage;
import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The operator's view of the maintenance jobs, behind the admin credential. */
@Path("/admin/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class AdminJobResource {

    private final JobService jobs;

    public AdminJobResource(JobService jobs) {
        this.jobs = jobs;
    }

    @GET
    @Operation(summary = "List jobs", description = "Every maintenance job: schedule, next run, last run, running.")
    public Uni<List<JobView>> listJobs() {
        return jobs.list();
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "Get a job", description = "One job with its last run and the run in progress.")
    public Uni<JobView> getJob(@PathParam("name") String name) {
        return jobs.get(name);
    }

    /**
     * Runs the job now, still once across replicas: 409 when a run holds its lock anywhere. 202 with the started run,
     * or with {@code wait=true} 200 with the finished one.
     */
    @POST
    @Path("/{name}/run")
    @Operation(summary = "Run a job now", description = "Starts a run now, still once across replicas; with wait=true the answer is the finished run.")
    @APIResponse(responseCode = "202", description = "started: the run", content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobRecords.RunView.class)))
    @APIResponse(responseCode = "200", description = "with wait=true: the finished run", content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobRecords.RunView.class)))
    @APIResponse(responseCode = "409", description = "a run of the job holds its lock on some replica")
    public Uni<Response> runJob(@PathParam("name") String name, @QueryParam("wait") @DefaultValue("false") String wait) {
        boolean waiting = parseBoolean("wait", wait);
        return jobs.trigger(name).flatMap(attempt -> waiting
                ? attempt.finished().map(run -> Response.ok(run).build())
                : Uni.createFrom().item(Response.accepted(attempt.run())
                        .location(java.net.URI.create("/admin/jobs/" + name + "/runs")).build()));
    }

    @GET
    @Path("/{name}/runs")
    @Operation(summary = "A job's runs", description = "The job's history, newest first; page with before.")
    public Uni<RunPage> jobRuns(@PathParam("name") String name, @QueryParam("before") String before,
            @QueryParam("limit") @DefaultValue("50") String limit) {
        return jobs.runs(name, ListParams.idCursor("before", before, "a run id"), ListParams.limit(limit, 500));
    }

    private static boolean parseBoolean(String name, String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ProblemException.badRequest(name + " must be true or false");
        };
    }
}
