package dev.onebase.console;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.backup.BackupCatalog;
import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.console.Charts.Bar;
import dev.onebase.console.Pages.Figure;
import dev.onebase.stats.StatsRecords.Dashboard;
import dev.onebase.stats.StatsRecords.TenantUsage;
import dev.onebase.stats.StatsService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.qute.TemplateInstance;

/** The first page: tenants by plan, storage, the busiest and biggest tenants, 429s and the age of the last backups. */
@Path("/console/dashboard")
@Produces(MediaType.TEXT_HTML)
public class DashboardResource {

    private static final int TOP = 8;

    private final Console console;
    private final StatsService stats;
    private final BackupCatalog backups;
    private final MeterRegistry registry;

    public DashboardResource(Console console, StatsService stats, BackupCatalog backups, MeterRegistry registry) {
        this.console = console;
        this.stats = stats;
        this.backups = backups;
        this.registry = registry;
    }

    @GET
    public TemplateInstance page(@QueryParam("notice") String notice, @QueryParam("error") String error) {
        Dashboard d = Console.await(stats.dashboard());
        List<TenantUsage> usage = Console.await(stats.allUsage(null, 1000)).items();

        Map<String, Long> plans = new TreeMap<>();
        usage.forEach(u -> plans.merge(u.plan(), 1L, Long::sum));
        List<Bar> byPlan = plans.entrySet().stream().map(e -> new Bar(e.getKey(), e.getValue(), e.getValue() + " tenants")).toList();

        List<Bar> topRequests = usage.stream().filter(u -> u.requestsLastDay() != null && u.requestsLastDay() > 0)
                .sorted(Comparator.comparing(TenantUsage::requestsLastDay).reversed()).limit(TOP)
                .map(u -> new Bar(u.slug(), u.requestsLastDay(), u.requestsLastDay() + " req/day")).toList();
        List<Bar> topStorage = usage.stream().filter(u -> u.bytesStored() != null && u.bytesStored() > 0)
                .sorted(Comparator.comparing(TenantUsage::bytesStored).reversed()).limit(TOP)
                .map(u -> new Bar(u.slug(), u.bytesStored(), Charts.bytes(u.bytesStored()))).toList();

        List<Figure> figures = List.of(new Figure("tenants", String.valueOf(d.tenantsTotal())),
                new Figure("active", String.valueOf(d.tenantsActive())), new Figure("suspended", String.valueOf(d.tenantsSuspended())),
                new Figure("deleted", String.valueOf(d.tenantsDeleted())), new Figure("new this week", String.valueOf(d.newThisWeek())),
                new Figure("storage", Charts.bytes(d.storageBytesTotal())),
                new Figure("stats as of", d.refreshedAt() == null ? "never refreshed" : d.refreshedAt().toString()));

        return Pages.dashboard(console.chrome("dashboard", "Dashboard", notice, error), d, figures,
                Charts.bars("Tenants by plan", byPlan), Charts.bars("Top tenants by requests in the last day", topRequests),
                Charts.bars("Top tenants by storage", topStorage), Charts.bars("Share of answers that were 429, by route", rejections()),
                Charts.bars("Hours since the newest verified backup", backupAge()));
    }

    /** Refreshes the usage views now instead of waiting for the refresh-stats job, and records storage as it does. */
    @POST
    @Path("/refresh")
    public Response refresh() {
        return Console.change("/console/dashboard", () -> "Counted " + Console.await(stats.refresh().call(stats::recordStorage)) + " tenants");
    }

    /** 429s against all answers per route on this replica since it started (the HTTP server's own metrics). */
    private List<Bar> rejections() {
        Map<String, long[]> byRoute = new TreeMap<>();
        for (Timer t : registry.find("http.server.requests").timers()) {
            String uri = t.getId().getTag("uri");
            long[] counts = byRoute.computeIfAbsent(uri == null ? "?" : uri, k -> new long[2]);
            counts[1] += t.count();
            if ("429".equals(t.getId().getTag("status"))) {
                counts[0] += t.count();
            }
        }
        List<Bar> bars = new ArrayList<>();
        byRoute.forEach((uri, c) -> {
            if (c[0] > 0) {
                double share = 100.0 * c[0] / c[1];
                bars.add(new Bar(uri, share, String.format(java.util.Locale.ROOT, "%.1f%% of %d", share, c[1])));
            }
        });
        return bars;
    }

    private List<Bar> backupAge() {
        List<Bar> bars = new ArrayList<>();
        for (String kind : List.of(BackupCatalog.SNAPSHOT, BackupCatalog.FULL)) {
            BackupRecord newest = backups.newestVerified(kind);
            if (newest != null && newest.finishedAt() != null) {
                double hours = Duration.between(newest.finishedAt(), OffsetDateTime.now()).toMinutes() / 60.0;
                bars.add(new Bar(kind, hours, String.format(java.util.Locale.ROOT, "%.1f h", hours)));
            } else {
                bars.add(new Bar(kind + " (none verified)", 0, "none"));
            }
        }
        return bars;
    }
}
