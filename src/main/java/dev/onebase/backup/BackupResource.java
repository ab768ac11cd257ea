package dev.onebase.backup;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import dev.onebase.job.JobService;
import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * The operator's view of backups, behind the admin credential. These methods return plain values, so Quarkus REST
 * runs them on a worker thread (the catalog and the tools block). Work started here runs in the background; its
 * progress shows in {@code GET /admin/backups/running}.
 */
@Path("/admin/backups")
@Produces(MediaType.APPLICATION_JSON)
public class BackupResource {

    private final JobService jobs;
    private final Verifier verifier;
    private final BackupProgress progress;
    private final BackupCatalog catalog;
    private final WalStreamer streamer;
    private final BackupAlerts alerts;
    private final PgTools tools;
    private final BackupConfig config;

    public BackupResource(Verifier verifier, BackupProgress progress, BackupCatalog catalog, WalStreamer streamer,
            BackupAlerts alerts, PgTools tools, BackupConfig config, JobService jobs) {
        this.jobs = jobs;
        this.verifier = verifier;
        this.progress = progress;
        this.catalog = catalog;
        this.streamer = streamer;
        this.alerts = alerts;
        this.tools = tools;
        this.config = config;
    }

    public record Started(String operation, String status, String progress) {
    }

    @GET
    public List<BackupRecord> list(@QueryParam("kind") String kind, @QueryParam("limit") @DefaultValue("100") String limit) {
        if (kind != null && !List.of(BackupCatalog.SNAPSHOT, BackupCatalog.FULL).contains(kind)) {
            throw ProblemException.badRequest("kind must be snapshot or full");
        }
        return catalog.list(kind, ListParams.limit(limit, 1000));
    }

    @GET
    @Path("/{id:\\d+}")
    public BackupRecord get(@PathParam("id") String id) {
        BackupRecord r = catalog.get(parseId(id));
        if (r == null) {
            throw ProblemException.notFound("no backup " + id);
        }
        return r;
    }

    /** Starts a backup now: kind snapshot or full. 202, then watch /admin/backups/running. */
    /** Runs the backup job now through the job runner: exactly once across replicas, recorded in job_runs. */
    @POST
    public Uni<Response> start(@QueryParam("kind") String kind) {
        if (kind == null || !List.of(BackupCatalog.SNAPSHOT, BackupCatalog.FULL).contains(kind)) {
            throw ProblemException.badRequest("kind must be snapshot or full (?kind=snapshot)");
        }
        return startJob(BackupCatalog.SNAPSHOT.equals(kind) ? "backup-snapshot" : "backup-full");
    }

    @POST
    @Path("/{id:\\d+}/verify")
    public BackupRecord verify(@PathParam("id") String id) {
        get(id);
        try {
            return verifier.verify(parseId(id));
        } catch (BackupException e) {
            throw ProblemException.conflict(e.getMessage());
        }
    }

    @GET
    @Path("/running")
    public Map<String, BackupProgress.Running> running() {
        return progress.running();
    }

    @GET
    @Path("/restore-tests")
    public List<RestoreTestRecord> restoreTests(@QueryParam("limit") @DefaultValue("100") String limit) {
        return catalog.restoreTests(ListParams.limit(limit, 1000));
    }

    @POST
    @Path("/restore-tests")
    public Uni<Response> startRestoreTest() {
        return startJob("backup-restore-test");
    }

    @GET
    @Path("/wal")
    public WalStreamer.Status wal() {
        return streamer.status();
    }

    @GET
    @Path("/alerts")
    public List<BackupAlerts.Alert> alerts() {
        return alerts.recent();
    }

    @GET
    @Path("/advice")
    public StrategyAdvice.Advice advice() {
        long bytes;
        try {
            bytes = tools.target().databaseBytes();
        } catch (Exception e) {
            throw new ProblemException(503, "Service Unavailable", "cannot read the database size: " + e.getMessage());
        }
        return StrategyAdvice.advise(bytes, new StrategyAdvice.Schedule(
                jobEnabled("backup-snapshot"), jobSchedule("backup-snapshot", "0 0 2 * * ?"),
                jobEnabled("backup-full"), jobSchedule("backup-full", "0 0 3 ? * SUN"), config.wal().enabled()));
    }

    private Uni<Response> startJob(String job) {
        return jobs.trigger(job).map(attempt -> Response.accepted(new Started(job, "started", "/admin/backups/running"))
                .location(java.net.URI.create("/admin/jobs/" + job + "/runs")).build());
    }

    private static boolean jobEnabled(String job) {
        return ConfigProvider.getConfig().getOptionalValue("onebase.jobs." + job + ".enabled", Boolean.class).orElse(true);
    }

    private static String jobSchedule(String job, String dflt) {
        return ConfigProvider.getConfig().getOptionalValue("onebase.jobs." + job + ".schedule", String.class).orElse(dflt);
    }

    private static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ProblemException.notFound("no backup " + id);
        }
    }

}
