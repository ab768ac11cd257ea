package dev.onebase.stats;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.TenantTx;
import dev.onebase.stats.StatsRecords.Dashboard;
import dev.onebase.stats.StatsRecords.History;
import dev.onebase.stats.StatsRecords.HistoryPoint;
import dev.onebase.stats.StatsRecords.TenantUsage;
import dev.onebase.stats.StatsRecords.Usage;
import dev.onebase.stats.StatsRecords.UsagePage;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reads the usage materialized views (never directly: the request role has no privilege on them) and refreshes them.
 * A tenant's own row comes from {@code tenant_usage_current()} inside its tenant transaction; the admin reads go
 * through the admin_* functions.
 */
@ApplicationScoped
public class StatsService {

    private static final String OWN_USAGE = "select * from tenant_usage_current()";
    private static final String REFRESHED = "select refreshed_at from stats_refreshes where view_name = $1";
    private static final String ALL_USAGE = "select * from admin_tenant_usage($1, $2)";
    private static final String DASHBOARD = "select d.*, (select refreshed_at from stats_refreshes where view_name = 'dashboard_stats') "
            + "as refreshed_at from admin_dashboard_stats() d";

    /** Every bucket of the range, with the tenant's row where there is one (RLS: only the tenant's own rows). */
    private static final String HISTORY = """
            select g.at, coalesce(h.requests, 0) as requests, coalesce(h.rejected, 0) as rejected, h.bytes_stored
              from generate_series($2::timestamptz, $3::timestamptz - make_interval(mins => $4), make_interval(mins => $4)) as g(at)
              left join usage_history h on h.tenant_id = $1 and h.resolution = $5 and h.bucket_start = g.at
             order by g.at""";
    /** The storage as of {@code $2}: the last minute row recorded before it, else the last day before its day. */
    private static final String STORAGE_BEFORE = """
            select coalesce(
                (select bytes_stored from usage_history where tenant_id = $1 and resolution = 'minute'
                    and bucket_start < $2 and bytes_stored is not null order by bucket_start desc limit 1),
                (select bytes_stored from usage_history where tenant_id = $1 and resolution = 'day'
                    and bucket_start < $3 and bytes_stored is not null order by bucket_start desc limit 1)) as bytes_stored""";

    /** The longest range a history answer covers, per resolution (2,880 minutes, 400 days). */
    static final Duration MAX_MINUTES = Duration.ofHours(48);
    static final Duration MAX_DAYS = Duration.ofDays(400);

    private final TenantTx tx;
    private final Pool pool;

    public StatsService(TenantTx tx, Pool pool) {
        this.tx = tx;
        this.pool = pool;
    }

    public Uni<Usage> usage(UUID tenant) {
        return tx.run(tenant, conn -> conn.preparedQuery(OWN_USAGE).execute()
                .flatMap(rows -> {
                    if (rows.iterator().hasNext()) {
                        Row r = rows.iterator().next();
                        return Uni.createFrom().item(new Usage(tenant, true, r.getLong("files"), r.getLong("bytes_stored"),
                                r.getLong("cache_entries"), r.getLong("live_sessions"), r.getLong("api_keys"),
                                r.getLong("requests_last_day"), r.getOffsetDateTime("refreshed_at")));
                    }
                    return conn.preparedQuery(REFRESHED).execute(Tuple.of("tenant_usage"))
                            .map(refreshed -> new Usage(tenant, false, null, null, null, null, null, null, at(refreshed.iterator())));
                }));
    }

    public Uni<UsagePage> allUsage(String after, int limit) {
        return pool.preparedQuery(ALL_USAGE).execute(Tuple.of(after, limit))
                .flatMap(rows -> {
                    List<TenantUsage> items = new ArrayList<>();
                    rows.forEach(r -> items.add(new TenantUsage(r.getUUID("tenant_id"), r.getString("slug"), r.getString("status"),
                            r.getString("plan"), r.getLong("files"), r.getLong("bytes_stored"), r.getLong("cache_entries"),
                            r.getLong("live_sessions"), r.getLong("api_keys"), r.getLong("requests_last_day"))));
                    String next = items.size() == limit ? items.get(items.size() - 1).slug() : null;
                    return pool.preparedQuery(REFRESHED).execute(Tuple.of("tenant_usage"))
                            .map(refreshed -> new UsagePage(items, next, at(refreshed.iterator())));
                });
    }

    public Uni<Dashboard> dashboard() {
        return pool.preparedQuery(DASHBOARD).execute().map(rows -> {
            Row r = rows.iterator().next();
            return new Dashboard(r.getLong("tenants_total"), r.getLong("tenants_active"), r.getLong("tenants_suspended"),
                    r.getLong("tenants_deleted"), r.getLong("new_this_week"), r.getLong("active_today"),
                    r.getLong("storage_bytes_total"), r.getOffsetDateTime("refreshed_at"));
        });
    }

    /** REFRESH ... CONCURRENTLY of both views (readers are not blocked); returns how many tenants were counted. */
    public Uni<Long> refresh() {
        return pool.query("select stats_refresh()").execute().map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * A tenant's usage over time. {@code resolution} is minute (the default; the last hour unless {@code from} says
     * otherwise, 48 hours at most) or day (the last 30 days by default, 400 at most); {@code from} and {@code to} are
     * ISO-8601 instants, truncated to the resolution ({@code to}, exclusive, defaults to the end of the current bucket).
     */
    public Uni<History> history(UUID tenant, String resolution, String from, String to) {
        Range range = Range.of(resolution, from, to, Instant.now());
        OffsetDateTime start = range.from().atOffset(ZoneOffset.UTC);
        OffsetDateTime end = range.to().atOffset(ZoneOffset.UTC);
        OffsetDateTime startDay = range.from().truncatedTo(ChronoUnit.DAYS).atOffset(ZoneOffset.UTC);
        int step = range.minutes() ? 1 : 24 * 60; // minutes: UTC days have no daylight saving
        return tx.run(tenant, conn -> conn.preparedQuery(STORAGE_BEFORE).execute(Tuple.of(tenant, start, startDay))
                .flatMap(before -> conn.preparedQuery(HISTORY)
                        .execute(Tuple.of(tenant, start, end, step, range.minutes() ? "minute" : "day"))
                        .map(rows -> {
                            Long storage = before.iterator().next().getLong("bytes_stored");
                            List<HistoryPoint> points = new ArrayList<>();
                            for (Row r : rows) {
                                Long recorded = r.getLong("bytes_stored");
                                storage = recorded != null ? recorded : storage;
                                points.add(new HistoryPoint(r.getOffsetDateTime("at"), r.getLong("requests"), r.getLong("rejected"), storage));
                            }
                            return new History(tenant, range.minutes() ? "minute" : "day", start, end, points);
                        })));
    }

    /** Copies the request counts of the last {@code lookBack} into the history; how many minute rows changed. */
    public Uni<Long> sampleRequests(Duration lookBack) {
        return pool.preparedQuery("select admin_usage_history_sample(now() - make_interval(secs => $1)) as n")
                .execute(Tuple.of((double) lookBack.toSeconds())).map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Records the storage of every tenant whose storage changed since its last record (after a refresh). */
    public Uni<Long> recordStorage() {
        return pool.query("select admin_usage_history_storage() as n").execute().map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Deletes one batch of minute rows older than {@code minutes} and day rows older than {@code days}. */
    public Uni<Long> pruneHistory(Duration minutes, Duration days, int batch) {
        return pool.preparedQuery("""
                select admin_usage_history_prune(now() - make_interval(secs => $1), now() - make_interval(secs => $2), $3) as n""")
                .execute(Tuple.of((double) minutes.toSeconds(), (double) days.toSeconds(), batch))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    /** A checked range of history buckets: [from, to), both on bucket boundaries. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    record Range(boolean minutes, Instant from, Instant to) {

        static Range of(String resolution, String from, String to, Instant now) {
            boolean minutes;
            if (resolution == null || resolution.isBlank() || resolution.equals("minute")) {
                minutes = true;
            } else if (resolution.equals("day")) {
                minutes = false;
            } else {
                throw ProblemException.badRequest("resolution must be 'minute' or 'day'");
            }
            ChronoUnit unit = minutes ? ChronoUnit.MINUTES : ChronoUnit.DAYS;
            Instant end = to == null || to.isBlank() ? now.truncatedTo(unit).plus(1, unit) : ceil(instant("to", to), unit);
            Instant start = from == null || from.isBlank() ? end.minus(minutes ? Duration.ofHours(1) : Duration.ofDays(30))
                    : instant("from", from).truncatedTo(unit);
            if (!start.isBefore(end)) {
                throw ProblemException.badRequest("from must be before to");
            }
            Duration max = minutes ? MAX_MINUTES : MAX_DAYS;
            if (Duration.between(start, end).compareTo(max) > 0) {
                throw ProblemException.badRequest("A " + (minutes ? "minute" : "day") + " history covers " + (minutes ? "48 hours" : "400 days")
                        + " at most");
            }
            return new Range(minutes, start, end);
        }

        private static Instant ceil(Instant t, ChronoUnit unit) {
            Instant floor = t.truncatedTo(unit);
            return floor.equals(t) ? t : floor.plus(1, unit);
        }

        private static Instant instant(String name, String text) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                throw ProblemException.badRequest(name + " must be an ISO-8601 date-time with an offset, e.g. 2026-12-01T08:00:00Z");
            }
        }
    }

    private static OffsetDateTime at(java.util.Iterator<Row> rows) {
        return rows.hasNext() ? rows.next().getOffsetDateTime("refreshed_at") : null;
    }
}
