package dev.onebase.s3;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.auth.ApiKeys;
import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.s3.S3KeyRecords.NewS3Key;
import dev.onebase.s3.S3KeyRecords.S3KeyView;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A tenant's S3 access keys. The access key id is {@code OB<tenant id, 32 hex>}<8 random>, so the lookup behind a
 * signature check is scoped to that tenant (RLS) as API keys are; the secret is stored sealed by {@link SecretBox}.
 */
@ApplicationScoped
public class S3KeyStore {

    private static final String COLUMNS = "id, access_key_id, name, scopes, created_at, last_used_at, revoked_at";
    private static final Pattern FORMAT = Pattern.compile("OB([0-9A-F]{32})[A-Z2-7]{8}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String LOOKUP = """
            with k as (
                select k.id, k.secret, k.scopes, t.status, t.plan
                  from s3_keys k join tenants t on t.id = k.tenant_id
                 where k.access_key_id = $1 and k.revoked_at is null and t.status <> 'deleted'),
            touched as (
                update s3_keys set last_used_at = now()
                 where id = (select id from k) and (last_used_at is null or last_used_at < now() - interval '1 minute'))
            select id, secret, scopes, status, plan from k
            """;

    private final TenantTx tx;
    private final SecretBox box;

    public S3KeyStore(TenantTx tx, SecretBox box) {
        this.tx = tx;
        this.box = box;
    }

    /** A live key: its tenant, scopes, plan and tenant status, and the secret to sign with. */
    record Found(UUID tenant, UUID keyId, Set<String> scopes, String status, String plan, String secret) {
    }

    /** The tenant an access key id names, if it has the shape of one. */
    static Optional<UUID> tenantOf(String accessKeyId) {
        Matcher m = FORMAT.matcher(accessKeyId);
        if (!m.matches()) {
            return Optional.empty();
        }
        String hex = m.group(1);
        return Optional.of(new UUID(HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32)));
    }

    Uni<Optional<Found>> find(String accessKeyId) {
        Optional<UUID> named = tenantOf(accessKeyId);
        if (named.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        UUID tenant = named.get();
        return tx.statement(tenant, LOOKUP, Tuple.of(accessKeyId)).map(rows -> Rows.first(rows).flatMap(r -> {
            String secret = box.open(r.getBuffer("secret").getBytes(), accessKeyId);
            return secret == null ? Optional.empty()
                    : Optional.of(new Found(tenant, r.getUUID("id"), Set.copyOf(Arrays.asList(r.getArrayOfStrings("scopes"))),
                            r.getString("status"), r.getString("plan"), secret));
        }));
    }

    public Uni<List<S3KeyView>> list(UUID tenant) {
        return tx.statement(tenant, "select " + COLUMNS + " from s3_keys order by created_at desc, id", Tuple.tuple()).map(rows -> {
            List<S3KeyView> out = new ArrayList<>();
            rows.forEach(r -> out.add(view(r)));
            return out;
        });
    }

    public Uni<NewS3Key> create(UUID tenant, String name, List<String> scopes) {
        if (!box.configured()) {
            throw new ProblemException(503, "Service Unavailable", "S3 is not configured: set onebase.s3.secret-key");
        }
        if (name != null && name.length() > 100) {
            throw ProblemException.unprocessable("name is limited to 100 characters");
        }
        List<String> granted = scopes == null ? ApiKeys.ALL_SCOPES : scopes;
        if (granted.isEmpty() || !ApiKeys.ALL_SCOPES.containsAll(granted)) {
            throw ProblemException.unprocessable("scopes must be a non-empty subset of " + ApiKeys.ALL_SCOPES);
        }
        byte[] random = new byte[5];
        RANDOM.nextBytes(random);
        String id = "OB" + tenant.toString().replace("-", "").toUpperCase(Locale.ROOT) + base32(random);
        byte[] secretBytes = new byte[30];
        RANDOM.nextBytes(secretBytes);
        String secret = Base64.getEncoder().encodeToString(secretBytes);
        return tx.statement(tenant, "insert into s3_keys (tenant_id, access_key_id, name, secret, scopes) values ($1, $2, $3, $4, $5) returning "
                + COLUMNS, Tuple.of(tenant, id, name == null ? "" : name, Buffer.buffer(box.seal(secret, id)), granted.toArray(String[]::new)))
                .map(rows -> new NewS3Key(view(rows.iterator().next()), secret));
    }

    public Uni<S3KeyView> revoke(UUID tenant, UUID keyId) {
        return tx.statement(tenant, "update s3_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning " + COLUMNS,
                Tuple.of(keyId)).map(rows -> Rows.first(rows).map(S3KeyStore::view).orElseThrow(() -> ProblemException.notFound("No such S3 key")));
    }

    private static S3KeyView view(Row r) {
        return new S3KeyView(r.getUUID("id"), r.getString("access_key_id"), r.getString("name"), Arrays.asList(r.getArrayOfStrings("scopes")),
                r.getOffsetDateTime("created_at"), r.getOffsetDateTime("last_used_at"), r.getOffsetDateTime("revoked_at"));
    }

    private static String base32(byte[] five) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        long bits = 0;
        for (byte b : five) {
            bits = bits << 8 | (b & 0xff);
        }
        StringBuilder s = new StringBuilder();
        for (int i = 7; i >= 0; i--) {
            s.append(alphabet.charAt((int) (bits >> (i * 5)) & 31));
        }
        return s.toString();
    }
}
