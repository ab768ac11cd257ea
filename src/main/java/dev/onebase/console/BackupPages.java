package dev.onebase.console;

import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.backup.BackupAlerts;
import dev.onebase.backup.BackupCatalog;
import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import dev.onebase.backup.BackupProgress;
import dev.onebase.backup.WalStreamer;
import dev.onebase.console.Charts.Bar;
import dev.onebase.console.Charts.Span;
import dev.onebase.job.JobService;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateInstance;

/**
 * Backups: every backup with its size and verification, the recoverable window on a time line, WAL lag, restore
 * tests and their durations (RTO), alerts; starting a backup or a restore test, with progress while it runs.
 */
@Path("/console/backups")
@Produces(MediaType.TEXT_HTML)
public class BackupPages {

    private static final int SHOWN = 50;

    private final Console console;
    private final BackupCatalog catalog;
    private final BackupProgress progress;
    private final WalStreamer wal;
    private final BackupAlerts alerts;
    private final JobService jobs;

    public BackupPages(Console console, BackupCatalog catalog, BackupProgress progress, WalStreamer wal, BackupAlerts alerts,
            JobService jobs) {
        this.console = console;
        this.catalog = catalog;
        this.progress = progress;
        this.wal = wal;
        this.alerts = alerts;
        this.jobs = jobs;
    }

    @GET
    public TemplateInstance page(@QueryParam("notice") String notice, @QueryParam("error") String error) {
        List<BackupRecord> backups = catalog.list(null, SHOWN);
        List<RestoreTestRecord> tests = catalog.restoreTests(20);
        WalStreamer.Status status = wal.status();
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("WAL streaming", status.enabled() ? (status.running() ? "running" : "stopped") : "off");
        facts.put("WAL lag", Charts.bytes(status.lagBytes()));
        facts.put("last flushed LSN", status.flushedLsn() == null ? "—" : status.flushedLsn());
        facts.put("newest", newest(backups));
        facts.put("running now", progress.running().isEmpty() ? "nothing" : String.join(", ", progress.running().keySet()));
        return Pages.backups(console.chrome("backups", "Backups", notice, error), backups, tests, status, alerts.recent(),
                window(backups, status), rto(tests), facts);
    }

    @POST
    @Path("/start")
    public Response start(@QueryParam("kind") String kind) {
        String job = "full".equals(kind) ? "backup-full" : "restore-test".equals(kind) ? "backup-restore-test" : "backup-snapshot";
        return Console.change("/console/backups", () -> {
            Console.await(jobs.trigger(job));
            return "Started " + job;
        });
    }

    /** What the page's script polls: what runs on this replica now, and the newest backup (to see the list is stale). */
    public record Live(Map<String, BackupProgress.Running> running, String newest) {
    }

    @GET
    @Path("/running")
    @Produces(MediaType.APPLICATION_JSON)
    public Live running() {
        return new Live(progress.running(), newest(catalog.list(null, 1)));
    }

    /** "id status" of the newest backup, "" for none: the page reloads when it differs from the one it shows. */
    static String newest(List<BackupRecord> backups) {
        return backups.isEmpty() ? "" : backups.get(0).id() + " " + backups.get(0).status();
    }

    /**
     * What can be restored: each verified snapshot is a point; with WAL streaming, everything from the oldest verified
     * full copy until now is a window.
     */
    private static RawString window(List<BackupRecord> backups, WalStreamer.Status status) {
        List<BackupRecord> verified = backups.stream().filter(b -> b.verified() && b.finishedAt() != null)
                .sorted(Comparator.comparing(BackupRecord::startedAt)).toList();
        if (verified.isEmpty()) {
            return null;
        }
        OffsetDateTime now = OffsetDateTime.now();
        OffsetDateTime from = verified.get(0).startedAt();
        List<Span> spans = new java.util.ArrayList<>();
        verified.stream().filter(b -> BackupCatalog.FULL.equals(b.kind())).findFirst().filter(b -> status.enabled())
                .ifPresent(b -> spans.add(new Span("point in time (WAL)", b.finishedAt(), now, "window")));
        verified.forEach(b -> spans.add(new Span(b.kind() + " #" + b.id(), b.startedAt(), b.finishedAt(), "point")));
        return Charts.timeline("What can be restored, over time", spans, from, now);
    }

    private static RawString rto(List<RestoreTestRecord> tests) {
        List<Bar> bars = tests.stream().filter(t -> t.durationMs() != null)
                .map(t -> new Bar("#" + t.id() + " " + t.kind() + " " + t.status(), t.durationMs() / 1000.0,
                        String.format(java.util.Locale.ROOT, "%.1f s", t.durationMs() / 1000.0)))
                .toList();
        return Charts.bars("Restore test durations (recovery time)", bars);
    }
}
