package dev.onebase.console;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.console.Charts.Span;
import dev.onebase.job.JobRecords.JobView;
import dev.onebase.job.JobRecords.RunView;
import dev.onebase.job.JobService;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;

/** The jobs: schedule, next run, the last runs of one as a time line, run now, and its progress while it runs. */
@Path("/console/jobs")
@Produces(MediaType.TEXT_HTML)
public class JobPages {

    private static final int RUNS = 30;

    private final Console console;
    private final JobService jobs;

    public JobPages(Console console, JobService jobs) {
        this.console = console;
        this.jobs = jobs;
    }

    @GET
    public TemplateInstance page(@QueryParam("job") String job, @QueryParam("notice") String notice, @QueryParam("error") String error) {
        List<JobView> all = Console.await(jobs.list());
        List<RunView> runs = List.of();
        RawString timeline = null;
        if (job != null && !job.isEmpty()) {
            runs = Console.await(jobs.runs(job, null, RUNS)).items();
            timeline = timeline(job, runs);
        }
        return Pages.jobs(console.chrome("jobs", "Jobs", notice, error), all, job, runs, timeline);
    }

    @POST
    @Path("/{name}/run")
    public Response run(@PathParam("name") String name) {
        return Console.change("/console/jobs?job=" + Console.encode(name), () -> {
            Console.await(jobs.trigger(name));
            return "Started " + name;
        });
    }

    /** For the page's script: the job, with its running run and progress while there is one. */
    @GET
    @Path("/{name}/progress")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<JobView> progress(@PathParam("name") String name) {
        return jobs.get(name);
    }

    private static RawString timeline(String job, List<RunView> runs) {
        if (runs.isEmpty()) {
            return null;
        }
        OffsetDateTime now = OffsetDateTime.now();
        OffsetDateTime from = runs.get(runs.size() - 1).startedAt();
        List<Span> spans = runs.stream().map(r -> new Span("#" + r.id() + " " + r.trigger(), r.startedAt(), r.finishedAt(), r.outcome()))
                .toList();
        return Charts.timeline("Runs of " + job + " over time, by outcome", spans, from, now);
    }
}
