package dev.onebase.session;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.onebase.auth.ApiKeys;
import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Sessions: an opaque token of 256 random bits is given to the client once; only its SHA-256 is stored (the row's
 * id, shown base64url-encoded as the session's handle). Reading a session slides its expiry by its idle timeout,
 * capped by its absolute expiry.
 */
@ApplicationScoped
public class SessionStore {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Session(String handle, String userId, Map<String, Object> data, OffsetDateTime createdAt, OffsetDateTime lastSeenAt,
            OffsetDateTime expiresAt, OffsetDateTime absoluteExpiresAt, long idleTimeoutSeconds) {
    }

    public record Created(String token, Session session) {
    }

    private static final String COLUMNS = "id, user_id, data, created_at, last_seen_at, expires_at, absolute_expires_at, "
            + "extract(epoch from idle_timeout)::int8 as idle_s";
    private static final String SLIDE = "least(now() + idle_timeout, coalesce(absolute_expires_at, 'infinity'))";

    private static final String CREATE = """
            insert into sessions (tenant_id, id, user_id, data, idle_timeout, expires_at, absolute_expires_at)
            values ($1, $2, $3, $4, $5::int8 * interval '1 second',
                    least(now() + $5::int8 * interval '1 second', now() + coalesce($6::int8, $5::int8) * interval '1 second'),
                    case when $6::int8 is null then null else now() + $6::int8 * interval '1 second' end)
            returning\s""" + COLUMNS;
    private static final String TOUCH = "update sessions set last_seen_at = now(), expires_at = " + SLIDE
            + " where id = $1 and expires_at > now() returning " + COLUMNS;
    private static final String UPDATE = "update sessions set data = $2, last_seen_at = now(), expires_at = " + SLIDE
            + " where id = $1 and expires_at > now() returning " + COLUMNS;
    private static final String DESTROY = "delete from sessions where id = $1 and expires_at > now() returning 1";
    private static final String LIST = "select " + COLUMNS
            + " from sessions where user_id = $1 and expires_at > now() order by created_at desc, id limit $2";
    private static final String REVOKE_ALL = """
            with d as (delete from sessions where user_id = $1 returning expires_at)
            select count(*) filter (where expires_at > now()) as n from d
            """;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final TenantTx tx;

    public SessionStore(TenantTx tx) {
        this.tx = tx;
    }

    public Uni<Created> create(UUID tenant, String userId, JsonObject data, long idleSeconds, Long absoluteSeconds) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        return tx.statement(tenant, CREATE, Tuple.of(tenant, Buffer.buffer(hash(token)), userId, data, idleSeconds, absoluteSeconds))
                .map(rows -> new Created(token, session(rows.iterator().next())));
    }

    public Uni<Optional<Session>> read(UUID tenant, String token) {
        return tx.statement(tenant, TOUCH, Tuple.of(Buffer.buffer(hash(token)))).map(rows -> Rows.first(rows).map(SessionStore::session));
    }

    public Uni<Optional<Session>> update(UUID tenant, String token, JsonObject data) {
        return tx.statement(tenant, UPDATE, Tuple.of(Buffer.buffer(hash(token)), data)).map(rows -> Rows.first(rows).map(SessionStore::session));
    }

    public Uni<Boolean> destroy(UUID tenant, String token) {
        return destroyById(tenant, hash(token));
    }

    public Uni<Boolean> destroyByHandle(UUID tenant, String handle) {
        byte[] id;
        try {
            id = Base64.getUrlDecoder().decode(handle);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(false);
        }
        return id.length == 32 ? destroyById(tenant, id) : Uni.createFrom().item(false);
    }

    private Uni<Boolean> destroyById(UUID tenant, byte[] id) {
        return tx.statement(tenant, DESTROY, Tuple.of(Buffer.buffer(id))).map(rows -> rows.rowCount() > 0);
    }

    public Uni<List<Session>> list(UUID tenant, String userId, int limit) {
        return tx.statement(tenant, LIST, Tuple.of(userId, limit)).map(rows -> {
            List<Session> sessions = new ArrayList<>();
            rows.forEach(r -> sessions.add(session(r)));
            return sessions;
        });
    }

    public Uni<Long> revokeAll(UUID tenant, String userId) {
        return tx.statement(tenant, REVOKE_ALL, Tuple.of(userId)).map(rows -> rows.iterator().next().getLong("n"));
    }

    static byte[] hash(String token) {
        return ApiKeys.sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    private static Session session(Row r) {
        Object data = r.getValue("data");
        return new Session(Base64.getUrlEncoder().withoutPadding().encodeToString(r.getBuffer("id").getBytes()), r.getString("user_id"),
                data instanceof JsonObject json ? json.getMap() : Map.of(), r.getOffsetDateTime("created_at"),
                r.getOffsetDateTime("last_seen_at"), r.getOffsetDateTime("expires_at"), r.getOffsetDateTime("absolute_expires_at"),
                r.getLong("idle_s"));
    }
}
