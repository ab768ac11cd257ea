package dev.onebase.console;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.auth.AdminToken;
import dev.onebase.auth.ApiKeys;
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

    /** A signed-in operator: the CSRF token every change must carry. */
    public record Operator(String csrf) {
    }

    /** A new session: the cookie's token (shown to the browser only) and its operator. */
    public record Opened(String token, Operator operator) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pool pool;
    private final AdminToken adminToken;
    private final Duration lifetime;

    public ConsoleSessions(Pool pool, AdminToken adminToken,
            @ConfigProperty(name = "onebase.console.session-lifetime", defaultValue = "PT8H") Duration lifetime) {
        this.pool = pool;
        this.adminToken = adminToken;
        this.lifetime = lifetime;
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** Signs in with the admin credential (throws the 401 when it is wrong); expired sessions go on the way. */
    public Uni<Opened> signIn(String presentedAdminToken) {
        adminToken.check("Bearer " + (presentedAdminToken == null ? "" : presentedAdminToken));
        String token = random();
        Operator operator = new Operator(random());
        return pool.query("delete from console_sessions where expires_at < now()").execute()
                .flatMap(ignored -> pool.preparedQuery("""
                        insert into console_sessions (token_hash, csrf, expires_at)
                        values ($1, $2, now() + make_interval(secs => $3))""")
                        .execute(Tuple.of(hash(token), operator.csrf(), (double) lifetime.toSeconds())))
                .replaceWith(new Opened(token, operator));
    }

    public Uni<Optional<Operator>> find(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) {
            return Uni.createFrom().item(Optional.empty());
        }
        return pool.preparedQuery("select csrf from console_sessions where token_hash = $1 and expires_at > now()")
                .execute(Tuple.of(hash(token)))
                .map(rows -> Rows.first(rows).map(r -> new Operator(r.getString("csrf"))));
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
