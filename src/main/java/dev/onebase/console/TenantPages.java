package dev.onebase.console;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.auth.ApiKeyRecords.NewKey;
import dev.onebase.auth.ApiKeyStore;
import dev.onebase.console.Charts.Bar;
import dev.onebase.console.Charts.Point;
import dev.onebase.console.Pages.UsageCharts;
import dev.onebase.stats.StatsRecords.History;
import dev.onebase.stats.StatsRecords.HistoryPoint;
import dev.onebase.stats.StatsRecords.Usage;
import dev.onebase.stats.StatsService;
import dev.onebase.tenant.TenantRecords.Provisioned;
import dev.onebase.tenant.TenantRecords.TenantView;
import dev.onebase.tenant.TenantService;
import dev.onebase.web.Ids;
import dev.onebase.web.ProblemException;
import io.quarkus.qute.TemplateInstance;

/** Tenants: search, create, plan, suspend and resume, delete, restore and purge (typed confirmation), keys, usage. */
@Path("/console/tenants")
@Produces(MediaType.TEXT_HTML)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
public class TenantPages {

    static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    static final List<String> PLANS = List.of("free", "pro", "enterprise");

    private final Console console;
    private final TenantService tenants;
    private final ApiKeyStore keys;
    private final StatsService stats;

    public TenantPages(Console console, TenantService tenants, ApiKeyStore keys, StatsService stats) {
        this.console = console;
        this.tenants = tenants;
        this.keys = keys;
        this.stats = stats;
    }

    /** Searches the slug and name of the first {@value Console#PICKER_LIMIT} tenants in slug order. */
    @GET
    public TemplateInstance list(@QueryParam("q") String q, @QueryParam("status") String status,
            @QueryParam("notice") String notice, @QueryParam("error") String error) {
        String s = status == null || status.isBlank() ? null : status;
        String needle = q == null ? "" : q.trim().toLowerCase(Locale.ROOT);
        List<TenantView> found = Console.await(tenants.list(s, null, Console.PICKER_LIMIT)).items().stream()
                .filter(t -> needle.isEmpty() || t.slug().contains(needle) || t.name().toLowerCase(Locale.ROOT).contains(needle))
                .toList();
        return Pages.tenants(console.chrome("tenants", "Tenants", notice, error), found, q == null ? "" : q, s == null ? "" : s, PLANS);
    }

    /** The answer shows the first key's secret this once, so it is a page, not a redirect. */
    @POST
    public Object create(@FormParam("slug") String slug, @FormParam("name") String name, @FormParam("plan") String plan) {
        try {
            Provisioned p = Console.await(tenants.provision(slug, name, plan == null || plan.isBlank() ? "free" : plan));
            return detail(p.tenant().id(), p.apiKey().secret(), "Tenant " + p.tenant().slug() + " created", null);
        } catch (ProblemException e) {
            return Console.seeOther("/console/tenants", "error", e.getMessage());
        }
    }

    @GET
    @Path("/{id}")
    public TemplateInstance get(@PathParam("id") String id, @QueryParam("notice") String notice, @QueryParam("error") String error) {
        return detail(Ids.parse(id), null, notice, error);
    }

    @POST
    @Path("/{id}/plan")
    public Response plan(@PathParam("id") String id, @FormParam("plan") String plan) {
        return Console.change(back(id), () -> "Plan changed to " + Console.await(tenants.changePlan(Ids.parse(id), plan)).plan());
    }

    @POST
    @Path("/{id}/suspend")
    public Response suspend(@PathParam("id") String id) {
        return Console.change(back(id), () -> "Suspended " + Console.await(tenants.suspend(Ids.parse(id))).slug());
    }

    @POST
    @Path("/{id}/resume")
    public Response resume(@PathParam("id") String id) {
        return Console.change(back(id), () -> "Resumed " + Console.await(tenants.resume(Ids.parse(id))).slug());
    }

    @POST
    @Path("/{id}/delete")
    public Response delete(@PathParam("id") String id, @FormParam("confirm") String confirm) {
        return Console.change(back(id), () -> {
            confirmed(Ids.parse(id), confirm);
            return "Deleted " + Console.await(tenants.softDelete(Ids.parse(id))).slug() + "; it can be restored until it is purged";
        });
    }

    @POST
    @Path("/{id}/restore")
    public Response restore(@PathParam("id") String id) {
        return Console.change(back(id), () -> "Restored " + Console.await(tenants.restore(Ids.parse(id))).slug());
    }

    /** Deletes the tenant and all its data now, retention or not: only with its slug typed as confirmation. */
    @POST
    @Path("/{id}/purge")
    public Response purge(@PathParam("id") String id, @FormParam("confirm") String confirm) {
        try {
            String slug = confirmed(Ids.parse(id), confirm);
            Console.await(tenants.purge(Ids.parse(id), true));
            return Console.seeOther("/console/tenants", "notice", "Purged " + slug + " and all its data");
        } catch (ProblemException e) {
            return Console.seeOther(back(id), "error", e.getMessage());
        }
    }

    @POST
    @Path("/{id}/keys")
    public Object createKey(@PathParam("id") String id, @FormParam("name") String name, @FormParam("scopes") List<String> scopes) {
        try {
            UUID tenant = Ids.parse(id);
            NewKey key = Console.await(keys.create(tenant, name, scopes == null || scopes.isEmpty() ? null : scopes));
            return detail(tenant, key.secret(), "Key " + key.key().prefix() + " created", null);
        } catch (ProblemException e) {
            return Console.seeOther(back(id), "error", e.getMessage());
        }
    }

    @POST
    @Path("/{id}/keys/{key}/revoke")
    public Response revokeKey(@PathParam("id") String id, @PathParam("key") String key) {
        return Console.change(back(id), () -> "Revoked key " + Console.await(keys.revoke(Ids.parse(id), Ids.parse(key))).prefix());
    }

    private TemplateInstance detail(UUID id, String secret, String notice, String error) {
        TenantView t = Console.await(tenants.get(id));
        Usage usage = Console.await(stats.usage(id));
        var limits = t.limits();
        List<Bar> bars = !usage.counted() ? List.of() : List.of(
                new Bar("storage % of plan", percent(usage.bytesStored(), limits.storageBytes()),
                        Charts.bytes(usage.bytesStored()) + " of " + Charts.bytes(limits.storageBytes())),
                new Bar("cache % of plan", percent(usage.cacheEntries(), limits.cacheEntries()),
                        usage.cacheEntries() + " of " + limits.cacheEntries() + " entries"),
                new Bar("requests/day % of plan", percent(usage.requestsLastDay(), limits.requestsPerMinute() * 1440L),
                        usage.requestsLastDay() + " of " + limits.requestsPerMinute() * 1440L));
        return Pages.tenant(console.chrome("tenants", "Tenant " + t.slug(), notice, error), t, usage,
                Charts.bars("Usage against the plan's limits", bars), history(id), Console.await(keys.list(id)), secret, PLANS);
    }

    /** Requests per minute over the last hour, per day over 30 days, and storage per day over 30 days. */
    UsageCharts history(UUID id) {
        History minutes = Console.await(stats.history(id, "minute", null, null));
        History days = Console.await(stats.history(id, "day", null, null));
        long lastHour = minutes.points().stream().mapToLong(HistoryPoint::requests).sum();
        long peak = minutes.points().stream().mapToLong(HistoryPoint::requests).max().orElse(0);
        long month = days.points().stream().mapToLong(HistoryPoint::requests).sum();
        Long storage = days.points().isEmpty() ? null : days.points().get(days.points().size() - 1).bytesStored();
        return new UsageCharts(lastHour, peak, month, Charts.bytes(storage),
                Charts.columns("Requests per minute, last hour", points(minutes, p -> p.requests()), v -> count(v), MINUTE),
                Charts.columns("Requests per day, last 30 days", points(days, p -> p.requests()), v -> count(v), DAY),
                Charts.steps("Storage, last 30 days", points(days, p -> p.bytesStored() == null ? 0 : p.bytesStored()),
                        v -> Charts.bytes((long) v), DAY));
    }

    private static List<Point> points(History h, java.util.function.ToLongFunction<HistoryPoint> value) {
        return h.points().stream().map(p -> new Point(p.at(), value.applyAsLong(p))).toList();
    }

    private static String count(double v) {
        return Long.toString(Math.round(v));
    }

    private String confirmed(UUID id, String confirm) {
        String slug = Console.await(tenants.get(id)).slug();
        if (!slug.equals(confirm == null ? "" : confirm.trim())) {
            throw ProblemException.unprocessable("Type the tenant's slug (" + slug + ") to confirm");
        }
        return slug;
    }

    private static double percent(Long used, long limit) {
        return used == null || limit <= 0 ? 0 : Math.min(100.0, 100.0 * used / limit);
    }

    private static String back(String id) {
        return "/console/tenants/" + Console.encode(id);
    }
}
