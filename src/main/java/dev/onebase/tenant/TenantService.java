package dev.onebase.tenant;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.onebase.auth.ApiKeyStore;
import dev.onebase.auth.ApiKeys;
import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.tenant.TenantRecords.Page;
import dev.onebase.tenant.TenantRecords.Provisioned;
import dev.onebase.tenant.TenantRecords.TenantView;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/** Tenants, their settings and lifecycle: every statement runs through {@link TenantTx} but the admin listing. */
@ApplicationScoped
public class TenantService {

    private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
    private static final int MAX_SETTINGS_BYTES = 16 * 1024;

    private static final String TENANT_VIEW = "select t.id, t.slug, t.name, t.plan, t.status, t.settings, t.created_at, t.deleted_at, "
            + Plan.COLUMNS + " from tenants t join plans p on p.id = t.plan";


    private final TenantTx tx;
    private final Pool pool;
    private final ApiKeyStore keys;
    private final Instance<TenantDataPurger> purgers;
    private final Duration retention;

    public TenantService(TenantTx tx, Pool pool, ApiKeyStore keys, Instance<TenantDataPurger> purgers,
            @ConfigProperty(name = "onebase.tenants.retention", defaultValue = "P30D") Duration retention) {
        this.tx = tx;
        this.pool = pool;
        this.keys = keys;
        this.purgers = purgers;
        this.retention = retention;
    }

    public Uni<Provisioned> provision(String slug, String name, String plan) {
        validateSlug(slug);
        validateName(name);
        UUID id = UUID.randomUUID();
        ApiKeys.Minted key = ApiKeys.mint(id);
        return tx.run(id, conn -> conn.preparedQuery("insert into tenants (id, slug, name, plan) values ($1, $2, $3, $4)")
                .execute(Tuple.of(id, slug, name, plan))
                .flatMap(ignored -> keys.insert(conn, id, "initial", ApiKeys.ALL_SCOPES, key))
                .flatMap(newKey -> view(conn, id).map(t -> new Provisioned(t, newKey))))
                .onFailure(PgException.class).transform(e -> explain((PgException) e, plan));
    }

    public Uni<TenantView> get(UUID id) {
        return tx.run(id, conn -> view(conn, id));
    }

    public Uni<TenantView> update(UUID id, String name, ObjectNode settings) {
        if (name != null) {
            validateName(name);
        }
        if (settings != null && settings.toString().length() > MAX_SETTINGS_BYTES) {
            throw ProblemException.unprocessable("settings are limited to " + MAX_SETTINGS_BYTES + " bytes of JSON");
        }
        JsonObject patch = settings == null ? null : new JsonObject(settings.toString());
        return tx.run(id, conn -> conn.preparedQuery("""
                update tenants set name = coalesce($1, name),
                                   settings = case when $2::jsonb is null then settings else jsonb_strip_nulls(settings || $2::jsonb) end
                """).execute(Tuple.of(name, patch)).flatMap(ignored -> view(conn, id)));
    }

    // --- admin ---

    public Uni<Page<TenantView>> list(String status, String after, int limit) {
        if (status != null && !List.of("active", "suspended", "deleted").contains(status)) {
            throw ProblemException.badRequest("status must be active, suspended or deleted");
        }
        return pool.preparedQuery("select * from admin_list_tenants($1, $2, $3)").execute(Tuple.of(status, after, limit))
                .map(rows -> {
                    List<TenantView> items = new ArrayList<>();
                    rows.forEach(r -> items.add(tenantView(r, null)));
                    String next = items.size() == limit ? items.get(items.size() - 1).slug() : null;
                    return new Page<>(items, next);
                });
    }

    public Uni<TenantView> changePlan(UUID id, String plan) {
        if (plan == null || plan.isBlank()) {
            throw ProblemException.unprocessable("plan is required");
        }
        return transition(id, "update tenants set plan = $1", Tuple.of(plan))
                .onFailure(PgException.class).transform(e -> explain((PgException) e, plan));
    }

    public Uni<TenantView> suspend(UUID id) {
        return requireStatus(id, "active", "only an active tenant can be suspended")
                .flatMap(t -> transition(id, "update tenants set status = 'suspended'", Tuple.tuple()));
    }

    public Uni<TenantView> resume(UUID id) {
        return requireStatus(id, "suspended", "only a suspended tenant can be resumed")
                .flatMap(t -> transition(id, "update tenants set status = 'active'", Tuple.tuple()));
    }

    public Uni<TenantView> softDelete(UUID id) {
        return get(id).flatMap(t -> "deleted".equals(t.status()) ? Uni.createFrom().item(t)
                : transition(id, "update tenants set status = 'deleted', deleted_at = now()", Tuple.tuple()));
    }

    public Uni<TenantView> restore(UUID id) {
        return requireStatus(id, "deleted", "only a deleted tenant can be restored")
                .flatMap(t -> transition(id, "update tenants set status = 'active', deleted_at = null", Tuple.tuple()));
    }

    /** Deletes a soft-deleted tenant and all its data; before the retention has run out only when forced. */
    public Uni<Void> purge(UUID id, boolean force) {
        return get(id).flatMap(t -> {
            if (!"deleted".equals(t.status())) {
                throw ProblemException.conflict("Only a deleted tenant can be purged; delete it first");
            }
            if (!force && t.deletedAt().plus(retention).isAfter(java.time.OffsetDateTime.now())) {
                throw ProblemException.conflict("The tenant is kept until " + t.deletedAt().plus(retention)
                        + " (retention " + retention + "); purge with force=true to delete it now");
            }
            return tx.run(id, conn -> runPurgers(conn, id)
                    .flatMap(ignored -> conn.preparedQuery("delete from tenants where status = 'deleted'").execute())
                    // its dedicated schema, if it ever had one, and the records of its moves (V27)
                    .flatMap(ignored -> conn.preparedQuery("select tenant_drop_schema($1)").execute(Tuple.of(id)))
                    .replaceWithVoid())
                    .invoke(() -> keys.forgetTenant(id));
        });
    }

    /** Purges every tenant whose retention has run out; returns how many. */
    public Uni<Integer> purgeDue() {
        return pool.preparedQuery("select id from admin_tenants_due_for_purge(make_interval(secs => $1)) as due(id)")
                .execute(Tuple.of((double) retention.toSeconds()))
                .flatMap(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getUUID("id")));
                    Uni<Integer> done = Uni.createFrom().item(0);
                    for (UUID id : ids) {
                        // a tenant whose placement move runs is purged at the next run, once the move has ended
                        done = done.flatMap(n -> purge(id, false).replaceWith(n + 1)
                                .onFailure(PlacementPurgeGuard.MoveRunning.class).recoverWithItem(n));
                    }
                    return done;
                });
    }

    public Duration retention() {
        return retention;
    }

    private Uni<Void> runPurgers(SqlConnection conn, UUID id) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (TenantDataPurger purger : purgers) {
            chain = chain.flatMap(ignored -> purger.purge(conn, id));
        }
        return chain;
    }

    private Uni<TenantView> requireStatus(UUID id, String status, String message) {
        return get(id).map(t -> {
            if (!status.equals(t.status())) {
                throw ProblemException.conflict(message + " (it is " + t.status() + ")");
            }
            return t;
        });
    }

    /** A change of status or plan: this replica forgets the tenant's keys at once, the others when told (V8). */
    private Uni<TenantView> transition(UUID id, String update, Tuple args) {
        return tx.run(id, conn -> conn.preparedQuery(update).execute(args).flatMap(ignored -> view(conn, id)))
                .invoke(() -> keys.forgetTenant(id));
    }

    private Uni<TenantView> view(SqlConnection conn, UUID id) {
        return conn.preparedQuery(TENANT_VIEW).execute().map(rows -> Rows.first(rows)
                .map(r -> tenantView(r, Plan.from(r)))
                .orElseThrow(() -> ProblemException.notFound("No such tenant: " + id)));
    }

    private static TenantView tenantView(Row r, Plan limits) {
        Object settings = r.getValue("settings");
        return new TenantView(r.getUUID("id"), r.getString("slug"), r.getString("name"), r.getString("plan"), r.getString("status"),
                settings instanceof JsonObject json ? json.getMap() : java.util.Map.of(), r.getOffsetDateTime("created_at"),
                r.getOffsetDateTime("deleted_at"), limits);
    }

    private static RuntimeException explain(PgException e, String plan) {
        if ("23503".equals(e.getSqlState())) {
            return ProblemException.unprocessable("Unknown plan '" + plan + "'");
        }
        if ("23505".equals(e.getSqlState())) {
            return ProblemException.conflict("That slug is taken");
        }
        return e;
    }

    private static void validateSlug(String slug) {
        if (slug == null || !SLUG.matcher(slug).matches()) {
            throw ProblemException.unprocessable("slug must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit");
        }
    }

    private static void validateName(String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw ProblemException.unprocessable("name must be 1-200 characters");
        }
    }
}
