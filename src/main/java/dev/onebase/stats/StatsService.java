package dev.onebase.stats;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.TenantTx;
import dev.onebase.stats.StatsRecords.Dashboard;
import dev.onebase.stats.StatsRecords.TenantUsage;
import dev.onebase.stats.StatsRecords.Usage;
import dev.onebase.stats.StatsRecords.UsagePage;
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

    private static OffsetDateTime at(java.util.Iterator<Row> rows) {
        return rows.hasNext() ? rows.next().getOffsetDateTime("refreshed_at") : null;
    }
}
