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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

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
    @Operation(summary = "List backups", description = "Snapshots and full copies, newest first; filter by kind.")
    public List<BackupRecord> list(@QueryParam("kind") String kind, @QueryParam("limit") @DefaultValue("100") String limit) {
        if (kind != null && !List.of(BackupCatalog.SNAPSHOT, BackupCatalog.FULL).contains(kind)) {
            throw ProblemException.badRequest("kind must be snapshot or full");
        }
        return catalog.list(kind, ListParams.limit(limit, 1000));
    }

    @GET
    @Path("/{id:\\d+}")
    @Operation(summary = "Get a backup", description = "One backup: status, size, LSNs, checksum, verification.")
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
    @Operation(summary = "Start a backup", description = "Starts a snapshot or full copy now, once across replicas; follow it at /admin/backups/running.")
    @APIResponse(responseCode = "202", description = "started", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Started.class)))
    @APIResponse(responseCode = "409", description = "a backup of that kind is running")
    public Uni<Response> start(@QueryParam("kind") String kind) {
        if (kind == null || !List.of(BackupCatalog.SNAPSHOT, BackupCatalog.FULL).contains(kind)) {
            throw ProblemException.badRequest("kind must be snapshot or full (?kind=snapshot)");
        }
        return startJob(BackupCatalog.SNAPSHOT.equals(kind) ? "backup-snapshot" : "backup-full");
    }

    @POST
    @Path("/{id:\\d+}/verify")
    @Operation(summary = "Verify a backup", description = "Checks the backup's checksum and manifest now.")
    @APIResponse(responseCode = "200", description = "the backup, verified", content = @Content(mediaType = "application/json", schema = @Schema(implementation = BackupRecord.class)))
    @APIResponse(responseCode = "409", description = "the backup cannot be verified (not finished, or missing)")
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
    @Operation(summary = "Running backups", description = "Backups and restore tests in progress, with their phase and percent.")
    public Map<String, BackupProgress.Running> running() {
        return progress.running();
    }

    @GET
    @Path("/restore-tests")
    @Operation(summary = "List restore tests", description = "Restore tests, newest first.")
    public List<RestoreTestRecord> restoreTests(@QueryParam("limit") @DefaultValue("100") String limit) {
        return catalog.restoreTests(ListParams.limit(limit, 1000));
    }

    @POST
    @Path("/restore-tests")
    @Operation(summary = "Start a restore test", description = "Restores the newest backup into a scratch database and checks it, once across replicas.")
    @APIResponse(responseCode = "202", description = "started", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Started.class)))
    @APIResponse(responseCode = "409", description = "a restore test is running")
    public Uni<Response> startRestoreTest() {
        return startJob("backup-restore-test");
    }

    @GET
    @Path("/wal")
    @Operation(summary = "WAL streaming status", description = "Whether continuous WAL is streamed, by which replica, its lag and last error.")
    public WalStreamer.Status wal() {
        return streamer.status();
    }

    @GET
    @Path("/alerts")
    @Operation(summary = "Backup alerts", description = "Recent failures of backups, WAL streaming and restore tests.")
    public List<BackupAlerts.Alert> alerts() {
        return alerts.recent();
    }

    @GET
    @Path("/advice")
    @Operation(summary = "Backup strategy advice", description = "What the database size calls for, against what is configured.")
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
