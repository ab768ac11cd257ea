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

/** The operator's view of the maintenance jobs, behind the admin credential. */
@Path("/admin/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class AdminJobResource {

    private final JobService jobs;

    public AdminJobResource(JobService jobs) {
        this.jobs = jobs;
    }

    @GET
    public Uni<List<JobView>> listJobs() {
        return jobs.list();
    }

    @GET
    @Path("/{name}")
    public Uni<JobView> getJob(@PathParam("name") String name) {
        return jobs.get(name);
    }

    /**
     * Runs the job now, still once across replicas: 409 when a run holds its lock anywhere. 202 with the started run,
     * or with {@code wait=true} 200 with the finished one.
     */
    @POST
    @Path("/{name}/run")
    public Uni<Response> runJob(@PathParam("name") String name, @QueryParam("wait") @DefaultValue("false") String wait) {
        boolean waiting = parseBoolean("wait", wait);
        return jobs.trigger(name).flatMap(attempt -> waiting
                ? attempt.finished().map(run -> Response.ok(run).build())
                : Uni.createFrom().item(Response.accepted(attempt.run())
                        .location(java.net.URI.create("/admin/jobs/" + name + "/runs")).build()));
    }

    @GET
    @Path("/{name}/runs")
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
