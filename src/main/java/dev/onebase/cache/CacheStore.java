package dev.onebase.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * The key/value cache with Redis semantics. Every operation is ONE SQL statement sent with {@link TenantTx#statement}
 * (BEGIN, tenant, statement, COMMIT in one round trip): there is no read-then-write anywhere, so concurrent callers
 * cannot interleave between a check and a change. Expired rows are never returned (every read checks
 * {@code expires_at}); the sweeper deletes them later.
 */
@ApplicationScoped
public class CacheStore {

    /** A stored value and its content type (null when none was given). */
    public record Value(byte[] bytes, String contentType) {
    }

    /** Set condition: none, only if missing (NX), only if present (XX). */
    public enum Condition {
        ALWAYS, NX, XX
    }

    /** Expiry of a SET: none, relative (milliseconds from now), absolute (Unix milliseconds), or keep the current. */
    public record Expiry(Long relativeMs, Long absoluteMs, boolean keep) {
        public static final Expiry NONE = new Expiry(null, null, false);
        public static final Expiry KEEP = new Expiry(null, null, true);
    }

    public record SetResult(boolean written, Value old) {
    }

    public record Entry(String key, byte[] value, Long ttlMs) {
    }

    public record ScanPage(List<String> keys, String nextAfter) {
    }

    static final String LIVE = "(expires_at is null or expires_at > now())";
    private static final String EXPIRY = """
            case when $4::int8 is not null then now() + $4::int8 * interval '1 millisecond'
                 when $5::int8 is not null then to_timestamp($5::int8 / 1000.0) end""";

    /** The hottest call of all: one command (see V8's cache_get). */
    private static final String GET = "select value, content_type from cache_get($1, $2)";

    /** The plain SET: one command too (see V8's cache_set), on a connection of its own since it may wait on a row lock. */
    private static final String SET_PLAIN = "select cache_set($1, $2, $3, $4, $5, $6)";

    /**
     * The general SET: {@code old} locks the live row (if any) so the old value returned is the one replaced;
     * the insert reads {@code old} first (the count), which also orders the two. A conflicting row that exists but
     * has expired counts as missing.
     */
    private static final String SET_GENERAL = """
            with old as (
                select value, content_type from cache_entries
                 where key = $2 and (expires_at is null or expires_at > now())
                   for update),
            put as (
                insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
                select $1, $2, $3, %1$s, $6 from (select count(*) as n from old) o where %2$s
                on conflict (tenant_id, key) do update
                   set value = excluded.value, content_type = excluded.content_type, expires_at = %3$s
                 where %4$s
                returning 1)
            select (select count(*) from put) as written, (select value from old) as old_value,
                   (select content_type from old) as old_type
            """;

    private static final String INCR = """
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
            values ($1, $2, convert_to($3::int8::text, 'UTF8'), null, 'text/plain')
            on conflict (tenant_id, key) do update
               set value = convert_to((case when c.expires_at <= now() then 0 else cache_int8(c.value) end + $3::int8)::text, 'UTF8'),
                   expires_at = case when c.expires_at <= now() then null else c.expires_at end,
                   content_type = case when c.expires_at <= now() then 'text/plain' else c.content_type end
            returning convert_from(value, 'UTF8')::int8 as value
            """;

    private static final String DEL = """
            with d as (delete from cache_entries where key = any($1::text[]) returning expires_at)
            select count(*) filter (where expires_at is null or expires_at > now()) as n from d
            """;

    private static final String EXISTS = """
            select count(*) as n from unnest($1::text[]) k(key)
              join cache_entries c on c.key = k.key collate "C"
             where c.expires_at is null or c.expires_at > now()
            """;

    private static final String PTTL = """
            select case when expires_at is null then -1
                        else greatest(0, ceil(extract(epoch from expires_at - now()) * 1000))::int8 end as pttl
              from cache_entries where key = $1 and
            """ + LIVE;

    private static final String EXPIRE = """
            update cache_entries set expires_at = now() + $2::int8 * interval '1 millisecond'
             where key = $1 and (expires_at is null or expires_at > now()) and %s
            returning 1
            """;

    private static final String EXPIRE_NOW = """
            delete from cache_entries where key = $1 and (expires_at is null or expires_at > now()) returning 1
            """;

    private static final String PERSIST = "update cache_entries set expires_at = null where key = $1 and expires_at > now() returning 1";

    private static final String MGET = """
            select k.i, c.value, c.content_type
              from unnest($1::text[]) with ordinality k(key, i)
              left join cache_entries c on c.key = k.key collate "C" and (c.expires_at is null or c.expires_at > now())
             order by k.i
            """;

    private static final String MSET = """
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
            select $1, x.k, x.v, case when x.t is null then null else now() + x.t * interval '1 millisecond' end, null
              from unnest($2::text[], $3::bytea[], $4::int8[]) as x(k, v, t)
            on conflict (tenant_id, key) do update
               set value = excluded.value, expires_at = excluded.expires_at, content_type = excluded.content_type
            """;

    private static final String SCAN = """
            select key from cache_entries
             where key >= $1 and ($2::text is null or key < $2) and ($3::text is null or key > $3)
               and (expires_at is null or expires_at > now())
             order by key limit $4
            """;

    private static final String FLUSH = "with d as (delete from cache_entries returning 1) select count(*) as n from d";

    private final TenantTx tx;

    public CacheStore(TenantTx tx) {
        this.tx = tx;
    }

    public Uni<Optional<Value>> get(UUID tenant, String key) {
        return tx.callShared(tenant, GET, Tuple.of(key)).map(rows -> Rows.first(rows)
                .map(r -> new Value(r.getBuffer("value").getBytes(), r.getString("content_type"))));
    }

    public Uni<SetResult> set(UUID tenant, String key, byte[] value, String contentType, Expiry expiry, Condition condition, boolean returnOld) {
        if (condition == Condition.ALWAYS && !returnOld && !expiry.keep()) {
            Tuple plain = Tuple.tuple().addString(key).addValue(Buffer.buffer(value))
                    .addLong(expiry.relativeMs()).addLong(expiry.absoluteMs()).addString(contentType);
            return mapLimits(tx.call(tenant, SET_PLAIN, plain)).replaceWith(new SetResult(true, null));
        }
        Tuple args = Tuple.tuple().addUUID(tenant).addString(key).addValue(Buffer.buffer(value))
                .addLong(expiry.relativeMs()).addLong(expiry.absoluteMs()).addString(contentType);
        return mapLimits(tx.statement(tenant, setSql(condition, expiry.keep()), args)).map(rows -> {
            Row r = rows.iterator().next();
            var old = r.getBuffer("old_value");
            return new SetResult(r.getLong("written") > 0, old == null ? null : new Value(old.getBytes(), r.getString("old_type")));
        });
    }

    static String setSql(Condition condition, boolean keepTtl) {
        String insertWhen = switch (condition) {
            case ALWAYS -> "true";
            case NX -> "o.n = 0";
            case XX -> "o.n > 0";
        };
        String updateWhen = switch (condition) {
            case ALWAYS -> "true";
            case NX -> "c.expires_at <= now()";
            case XX -> "(c.expires_at is null or c.expires_at > now())";
        };
        String expires = keepTtl ? "case when c.expires_at is null or c.expires_at > now() then c.expires_at else excluded.expires_at end"
                : "excluded.expires_at";
        return SET_GENERAL.formatted(EXPIRY, insertWhen, expires, updateWhen);
    }

    public Uni<Long> incrBy(UUID tenant, String key, long by) {
        return mapLimits(tx.statement(tenant, INCR, Tuple.of(tenant, key, by)))
                .map(rows -> rows.iterator().next().getLong("value"))
                .onFailure(PgException.class).transform(e -> {
                    String state = ((PgException) e).getSqlState();
                    if ("22P02".equals(state) || "22003".equals(state)) {
                        return ProblemException.conflict("The value is not an integer or the result would be out of range");
                    }
                    return e;
                });
    }

    public Uni<Long> delete(UUID tenant, List<String> keys) {
        return tx.statement(tenant, DEL, Tuple.of(keys.toArray(String[]::new))).map(rows -> rows.iterator().next().getLong("n"));
    }

    public Uni<Long> exists(UUID tenant, List<String> keys) {
        return tx.statement(tenant, EXISTS, Tuple.of(keys.toArray(String[]::new))).map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Milliseconds left: -2 when the key does not exist, -1 when it has no expiry. */
    public Uni<Long> pttl(UUID tenant, String key) {
        return tx.statement(tenant, PTTL, Tuple.of(key)).map(rows -> Rows.first(rows).map(r -> r.getLong("pttl")).orElse(-2L));
    }

    /** EXPIRE with an optional mode (nx, xx, gt, lt); a TTL of zero or less deletes the key, as Redis does. */
    public Uni<Boolean> expire(UUID tenant, String key, long ttlMs, String mode) {
        if (ttlMs <= 0) {
            return tx.statement(tenant, EXPIRE_NOW, Tuple.of(key)).map(rows -> rows.rowCount() > 0);
        }
        String when = switch (mode == null ? "" : mode) {
            case "" -> "true";
            case "nx" -> "expires_at is null";
            case "xx" -> "expires_at is not null";
            case "gt" -> "expires_at is not null and now() + $2::int8 * interval '1 millisecond' > expires_at";
            case "lt" -> "(expires_at is null or now() + $2::int8 * interval '1 millisecond' < expires_at)";
            default -> throw ProblemException.badRequest("mode must be nx, xx, gt or lt");
        };
        return tx.statement(tenant, EXPIRE.formatted(when), Tuple.of(key, ttlMs)).map(rows -> rows.rowCount() > 0);
    }

    public Uni<Boolean> persist(UUID tenant, String key) {
        return tx.statement(tenant, PERSIST, Tuple.of(key)).map(rows -> rows.rowCount() > 0);
    }

    /** The values of the keys in order, null for a missing key. */
    public Uni<List<Value>> mget(UUID tenant, List<String> keys) {
        return tx.statement(tenant, MGET, Tuple.of(keys.toArray(String[]::new))).map(rows -> {
            List<Value> values = new ArrayList<>(keys.size());
            rows.forEach(r -> {
                var b = r.getBuffer("value");
                values.add(b == null ? null : new Value(b.getBytes(), r.getString("content_type")));
            });
            return values;
        });
    }

    /** All or nothing: one statement, so an entry limit hit part-way writes none of them. Keys must be distinct. */
    public Uni<Void> mset(UUID tenant, List<Entry> entries) {
        String[] keys = new String[entries.size()];
        Buffer[] values = new Buffer[entries.size()];
        Long[] ttls = new Long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            keys[i] = entries.get(i).key();
            values[i] = Buffer.buffer(entries.get(i).value());
            ttls[i] = entries.get(i).ttlMs();
        }
        return mapLimits(tx.statement(tenant, MSET, Tuple.of(tenant, keys, values, ttls))).replaceWithVoid();
    }

    /** Keys starting with prefix, in key order (byte order), after the cursor key. */
    public Uni<ScanPage> scan(UUID tenant, String prefix, String after, int count) {
        String upper = upperBound(prefix);
        return tx.statement(tenant, SCAN, Tuple.of(prefix, upper, after, count)).map(rows -> {
            List<String> keys = new ArrayList<>();
            rows.forEach(r -> keys.add(r.getString("key")));
            return new ScanPage(keys, keys.size() == count ? keys.get(keys.size() - 1) : null);
        });
    }

    public Uni<Long> flush(UUID tenant) {
        return tx.statement(tenant, FLUSH, Tuple.tuple()).map(rows -> rows.iterator().next().getLong("n"));
    }

    /** The smallest string (in code point order, which is the byte order of UTF-8) above every key with the prefix. */
    static String upperBound(String prefix) {
        int[] cps = prefix.codePoints().toArray();
        for (int i = cps.length - 1; i >= 0; i--) {
            int next = cps[i] + 1;
            if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) {
                next = Character.MAX_SURROGATE + 1;
            }
            if (next <= Character.MAX_CODE_POINT) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < i; j++) {
                    sb.appendCodePoint(cps[j]);
                }
                return sb.appendCodePoint(next).toString();
            }
        }
        return null;
    }

    /** The entry limit is enforced by the counting trigger (SQLSTATE 53400): it becomes 507. */
    private static <T> Uni<T> mapLimits(Uni<T> work) {
        return work.onFailure(PgException.class).transform(e -> "53400".equals(((PgException) e).getSqlState())
                ? new ProblemException(507, "Insufficient Storage", "The plan's number of cache entries is used up; "
                        + "delete keys, let them expire or move to a bigger plan")
                : e);
    }
}
