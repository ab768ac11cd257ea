package dev.onebase.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.auth.ApiKeyRecords.KeyView;
import dev.onebase.auth.ApiKeyRecords.NewKey;
import dev.onebase.auth.ApiKeyRecords.Principal;
import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/** A tenant's API keys: the lookup behind authentication, and creating, listing and revoking keys. */
@ApplicationScoped
public class ApiKeyStore {

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
    private final KnownKeys known;

    public ApiKeyStore(TenantTx tx, KnownKeys known) {
        this.tx = tx;
        this.known = known;
    }

    /** A key this replica saw recently and nothing has changed since is not read again (see KnownKeys). */
    public Uni<Optional<Principal>> authenticate(ApiKeys.Presented key) {
        Optional<Principal> seen = known.find(key);
        if (seen.isPresent()) {
            return Uni.createFrom().item(seen);
        }
        long generation = known.generation();
        // api_keys and tenants stay shared whatever the placement: a key's first request never waits for a move
        return tx.sharedTablesStatement(key.tenantId(), AUTHENTICATE, Tuple.of(Buffer.buffer(key.hash()), key.tenantId()))
                .map(rows -> Rows.first(rows).map(r -> new Principal(r.getUUID("id"),
                        Set.copyOf(Arrays.asList(r.getArrayOfStrings("scopes"))), r.getString("status"), r.getString("plan"))))
                .invoke(found -> found.ifPresent(p -> known.remember(key, p, generation)));
    }

    public Uni<List<KeyView>> list(UUID tenant) {
        return tx.run(tenant, conn -> conn.preparedQuery("select " + KEY_COLUMNS + " from api_keys order by created_at desc, id")
                .execute().map(rows -> {
                    List<KeyView> keys = new ArrayList<>();
                    rows.forEach(r -> keys.add(keyView(r)));
                    return keys;
                }));
    }

    public Uni<NewKey> create(UUID tenant, String name, List<String> scopes) {
        if (name != null && name.length() > 100) {
            throw ProblemException.unprocessable("name is limited to 100 characters");
        }
        List<String> granted = scopes == null ? ApiKeys.ALL_SCOPES : scopes;
        if (granted.isEmpty() || !ApiKeys.ALL_SCOPES.containsAll(granted)) {
            throw ProblemException.unprocessable("scopes must be a non-empty subset of " + ApiKeys.ALL_SCOPES);
        }
        ApiKeys.Minted key = ApiKeys.mint(tenant);
        return tx.run(tenant, conn -> insert(conn, tenant, name == null ? "" : name, granted, key));
    }

    public Uni<KeyView> revoke(UUID tenant, UUID keyId) {
        return tx.run(tenant, conn -> conn.preparedQuery("update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning "
                + KEY_COLUMNS).execute(Tuple.of(keyId)))
                .invoke(() -> known.forgetTenant(tenant))
                .map(rows -> Rows.first(rows).map(ApiKeyStore::keyView).orElseThrow(() -> ProblemException.notFound("No such key")));
    }

    /** Stores a new key inside the caller's tenant transaction (sign-up makes the first key with the tenant). */
    public Uni<NewKey> insert(SqlConnection conn, UUID tenant, String name, List<String> scopes, ApiKeys.Minted key) {
        return conn.preparedQuery("insert into api_keys (tenant_id, name, prefix, hash, scopes) values ($1, $2, $3, $4, $5) returning "
                + KEY_COLUMNS).execute(Tuple.of(tenant, name, key.prefix(), Buffer.buffer(key.hash()), scopes.toArray(String[]::new)))
                .map(rows -> new NewKey(keyView(rows.iterator().next()), key.secret()));
    }

    /** A tenant's status or plan changed: this replica forgets its keys at once, the others when told (V8). */
    public void forgetTenant(UUID tenant) {
        known.forgetTenant(tenant);
    }

    private static KeyView keyView(Row r) {
        return new KeyView(r.getUUID("id"), r.getString("name"), r.getString("prefix"), Arrays.asList(r.getArrayOfStrings("scopes")),
                r.getOffsetDateTime("created_at"), r.getOffsetDateTime("last_used_at"), r.getOffsetDateTime("revoked_at"));
    }
}
