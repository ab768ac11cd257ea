package dev.onebase.tenant;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.onebase.tenant.TenantRecords.KeyView;
import dev.onebase.tenant.TenantRecords.NewKey;
import dev.onebase.tenant.TenantRecords.Page;
import dev.onebase.tenant.TenantRecords.PlanLimits;
import dev.onebase.tenant.TenantRecords.Principal;
import dev.onebase.tenant.TenantRecords.Provisioned;
import dev.onebase.tenant.TenantRecords.TenantView;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/** Tenants, their settings and API keys: every statement runs through {@link TenantTx} but the admin listing. */
@ApplicationScoped
public class TenantService {

    private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
    private static final int MAX_SETTINGS_BYTES = 16 * 1024;

    private static final String TENANT_VIEW = """
            select t.id, t.slug, t.name, t.plan, t.status, t.settings, t.created_at, t.deleted_at,
                   p.storage_bytes, p.max_file_bytes, p.cache_entries, p.requests_per_minute
              from tenants t join plans p on p.id = t.plan
            """;
    private static final String KEY_COLUMNS = "id, name, prefix, scopes, created_at, last_used_at, revoked_at";

    private static final String AUTHENTICATE = """
            with k as (
                select k.id, k.scopes, t.status, t.plan
                  from api_keys k join tenants t on t.id = k.tenant_id
                 where k.hash = $1 and k.revoked_at is null and t.status <> 'deleted'),
            touched as (
                update api_keys set last_used_at = now()
                 where tenant_id = $2 and id = (select id from k)
                   and (last_used_at is null or last_used_at < now() - interval '1 minute'))
            select id, scopes, status, plan from k
            """;

    private final TenantTx tx;
    private final Pool pool;
    private final KnownKeys known;
    private final Instance<TenantDataPurger> purgers;
    private final Duration retention;

    public TenantService(TenantTx tx, Pool pool, KnownKeys known, Instance<TenantDataPurger> purgers,
            @ConfigProperty(name = "onebase.tenants.retention", defaultValue = "P30D") Duration retention) {
        this.tx = tx;
        this.pool = pool;
        this.known = known;
        this.purgers = purgers;
        this.retention = retention;
    }

    /** A key this replica saw recently and nothing has changed since is not read again (see KnownKeys). */
    public Uni<Optional<Principal>> authenticate(ApiKeys.Presented key) {
        Optional<Principal> seen = known.find(key);
        if (seen.isPresent()) {
            return Uni.createFrom().item(seen);
        }
        long generation = known.generation();
        return tx.statement(key.tenantId(), AUTHENTICATE, Tuple.of(Buffer.buffer(key.hash()), key.tenantId()))
                .map(rows -> first(rows).map(r -> new Principal(r.getUUID("id"),
                        Set.copyOf(Arrays.asList(r.getArrayOfStrings("scopes"))), r.getString("status"), r.getString("plan"))))
                .invoke(found -> found.ifPresent(p -> known.remember(key, p, generation)));
    }

    public Uni<Provisioned> provision(String slug, String name, String plan) {
        validateSlug(slug);
        validateName(name);
        UUID id = UUID.randomUUID();
        ApiKeys.Minted key = ApiKeys.mint(id);
        return tx.run(id, conn -> conn.preparedQuery("insert into tenants (id, slug, name, plan) values ($1, $2, $3, $4)")
                .execute(Tuple.of(id, slug, name, plan))
                .flatMap(ignored -> insertKey(conn, id, "initial", ApiKeys.ALL_SCOPES, key))
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

    public Uni<List<KeyView>> listKeys(UUID tenant) {
        return tx.run(tenant, conn -> conn.preparedQuery("select " + KEY_COLUMNS + " from api_keys order by created_at desc, id")
                .execute().map(rows -> {
                    List<KeyView> keys = new ArrayList<>();
                    rows.forEach(r -> keys.add(keyView(r)));
                    return keys;
                }));
    }

    public Uni<NewKey> createKey(UUID tenant, String name, List<String> scopes) {
        if (name != null && name.length() > 100) {
            throw ProblemException.unprocessable("name is limited to 100 characters");
        }
        List<String> granted = scopes == null ? ApiKeys.ALL_SCOPES : scopes;
        if (granted.isEmpty() || !ApiKeys.ALL_SCOPES.containsAll(granted)) {
            throw ProblemException.unprocessable("scopes must be a non-empty subset of " + ApiKeys.ALL_SCOPES);
        }
        ApiKeys.Minted key = ApiKeys.mint(tenant);
        return tx.run(tenant, conn -> insertKey(conn, tenant, name == null ? "" : name, granted, key));
    }

    public Uni<KeyView> revokeKey(UUID tenant, UUID keyId) {
        return tx.run(tenant, conn -> conn.preparedQuery("update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning "
                + KEY_COLUMNS).execute(Tuple.of(keyId)))
                .invoke(() -> known.forgetTenant(tenant))
                .map(rows -> first(rows).map(TenantService::keyView).orElseThrow(() -> ProblemException.notFound("No such key")));
    }

    // --- admin ---

    public Uni<Page<TenantView>> list(String status, String after, int limit) {
        if (status != null && !List.of("active", "suspended", "deleted").contains(status)) {
            throw ProblemException.badRequest("status must be active, suspended or deleted");
        }
        if (limit < 1 || limit > 500) {
            throw ProblemException.badRequest("limit must be between 1 and 500");
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
                    .replaceWithVoid())
                    .invoke(() -> known.forgetTenant(id));
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
                        done = done.flatMap(n -> purge(id, false).replaceWith(n + 1));
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
                .invoke(() -> known.forgetTenant(id));
    }

    private Uni<NewKey> insertKey(SqlConnection conn, UUID tenant, String name, List<String> scopes, ApiKeys.Minted key) {
        return conn.preparedQuery("insert into api_keys (tenant_id, name, prefix, hash, scopes) values ($1, $2, $3, $4, $5) returning "
                + KEY_COLUMNS).execute(Tuple.of(tenant, name, key.prefix(), Buffer.buffer(key.hash()), scopes.toArray(String[]::new)))
                .map(rows -> new NewKey(keyView(rows.iterator().next()), key.secret()));
    }

    private Uni<TenantView> view(SqlConnection conn, UUID id) {
        return conn.preparedQuery(TENANT_VIEW).execute().map(rows -> first(rows)
                .map(r -> tenantView(r, new PlanLimits(r.getString("plan"), r.getLong("storage_bytes"), r.getLong("max_file_bytes"),
                        r.getInteger("cache_entries"), r.getInteger("requests_per_minute"))))
                .orElseThrow(() -> ProblemException.notFound("No such tenant: " + id)));
    }

    private static TenantView tenantView(Row r, PlanLimits limits) {
        Object settings = r.getValue("settings");
        return new TenantView(r.getUUID("id"), r.getString("slug"), r.getString("name"), r.getString("plan"), r.getString("status"),
                settings instanceof JsonObject json ? json.getMap() : java.util.Map.of(), r.getOffsetDateTime("created_at"),
                r.getOffsetDateTime("deleted_at"), limits);
    }

    private static KeyView keyView(Row r) {
        return new KeyView(r.getUUID("id"), r.getString("name"), r.getString("prefix"), Arrays.asList(r.getArrayOfStrings("scopes")),
                r.getOffsetDateTime("created_at"), r.getOffsetDateTime("last_used_at"), r.getOffsetDateTime("revoked_at"));
    }

    private static Optional<Row> first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
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
