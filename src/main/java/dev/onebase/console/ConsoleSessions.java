package dev.onebase.console;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.auth.AdminToken;
import dev.onebase.auth.ApiKeyAuthenticator;
import dev.onebase.auth.ApiKeyStore;
import dev.onebase.auth.ApiKeys;
import dev.onebase.tenant.TenantService;
import dev.onebase.web.ProblemException;
import dev.onebase.db.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Operator sessions of the console, in {@code console_sessions} (V15): the cookie holds a random token, the table its
 * SHA-256 and the session's CSRF token. Not the {@code sessions} feature: those belong to a tenant's users under RLS,
 * an operator belongs to no tenant. A row per session (rather than a signed cookie) makes sign-out and expiry real on
 * every replica.
 */
@ApplicationScoped
public class ConsoleSessions {

    public static final String COOKIE = "onebase_console";

    /**
     * Who is signed in: the CSRF token every change must carry, and for a tenant's own view (signed in with a
     * manage-scoped API key) the tenant and the key; both null for an operator.
     */
    public record Operator(String csrf, UUID tenant, UUID keyId) {

        public boolean operator() {
            return tenant == null;
        }
    }

    /** A new session: the cookie's token (shown to the browser only) and its operator. */
    public record Opened(String token, Operator operator) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pool pool;
    private final AdminToken adminToken;
    private final ApiKeyAuthenticator authenticator;
    private final ApiKeyStore keys;
    private final TenantService tenants;
    private final Duration lifetime;

    public ConsoleSessions(Pool pool, AdminToken adminToken, ApiKeyAuthenticator authenticator, ApiKeyStore keys, TenantService tenants,
            @ConfigProperty(name = "onebase.console.session-lifetime", defaultValue = "PT8H") Duration lifetime) {
        this.pool = pool;
        this.adminToken = adminToken;
        this.authenticator = authenticator;
        this.keys = keys;
        this.tenants = tenants;
        this.lifetime = lifetime;
    }

    public Duration lifetime() {
        return lifetime;
    }

    /**
     * Signs in with the admin credential, or with an API key of the manage scope (a tenant's own view); throws the
     * 401/403 problem when it is neither. Expired sessions go on the way.
     */
    public Uni<Opened> signIn(String presented) {
        String secret = presented == null ? "" : presented.trim();
        if (ApiKeys.parse(secret).isPresent()) {
            return authenticator.authenticate("Bearer " + secret, "manage")
                    .flatMap(found -> open(found.key().tenantId(), found.principal().keyId()));
        }
        adminToken.check("Bearer " + secret);
        return open(null, null);
    }

    private Uni<Opened> open(UUID tenant, UUID keyId) {
        String token = random();
        Operator operator = new Operator(random(), tenant, keyId);
        return pool.query("delete from console_sessions where expires_at < now()").execute()
                .flatMap(ignored -> pool.preparedQuery("""
                        insert into console_sessions (token_hash, csrf, expires_at, signed_in_tenant, key_id)
                        values ($1, $2, now() + make_interval(secs => $3), $4, $5)""")
                        .execute(Tuple.of(hash(token), operator.csrf(), (double) lifetime.toSeconds(), tenant, keyId)))
                .replaceWith(new Opened(token, operator));
    }

    /**
     * The live session of the token. A tenant's session lives only as long as its key does: revoked, stripped of the
     * manage scope, or its tenant suspended or deleted, and the session is over.
     */
    public Uni<Optional<Operator>> find(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) {
            return Uni.createFrom().item(Optional.empty());
        }
        return pool.preparedQuery("""
                select csrf, signed_in_tenant, key_id from console_sessions where token_hash = $1 and expires_at > now()""")
                .execute(Tuple.of(hash(token)))
                .map(rows -> Rows.first(rows).map(r -> new Operator(r.getString("csrf"), r.getUUID("signed_in_tenant"), r.getUUID("key_id"))))
                .flatMap(found -> found.isEmpty() || found.get().operator() ? Uni.createFrom().item(found) : stillAllowed(found.get()));
    }

    private Uni<Optional<Operator>> stillAllowed(Operator o) {
        return tenants.get(o.tenant()).onFailure(ProblemException.class).recoverWithNull().flatMap(t -> {
            if (t == null || !"active".equals(t.status())) {
                return Uni.createFrom().item(Optional.<Operator>empty());
            }
            return keys.list(o.tenant()).map(all -> all.stream()
                    .anyMatch(k -> k.id().equals(o.keyId()) && k.revokedAt() == null && k.scopes().contains("manage"))
                            ? Optional.of(o) : Optional.<Operator>empty());
        });
    }

    public Uni<Void> signOut(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("delete from console_sessions where token_hash = $1").execute(Tuple.of(hash(token))).replaceWithVoid();
    }

    /** Compared in constant time; a missing token never matches. */
    public static boolean csrfMatches(Operator operator, String presented) {
        return presented != null && MessageDigest.isEqual(operator.csrf().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                presented.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static Buffer hash(String token) {
        return Buffer.buffer(ApiKeys.sha256(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
