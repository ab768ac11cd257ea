package dev.onebase.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.web.ProblemException;
import dev.onebase.web.ServiceMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
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
                 when $5::int8 is not null then 'epoch'::timestamptz + $5::int8 * interval '1 millisecond' end""";

    /** The hottest call of all: one command (see V8's cache_get). */
    private static final String GET = "select value, content_type from cache_get($1, $2)";

    /** The plain SET: one command too (see V8's cache_set), on a connection of its own since it may wait on a row lock. */
    private static final String SET_PLAIN = "select cache_set($1, $2, $3, $4, $5, $6)";

    /**
     * The general SET: {@code found} locks the key's row (live or expired) so the old value returned is the one
     * replaced; the insert reads {@code old} first (the count), which also orders the two. A conflicting row that
     * exists but has expired counts as missing. A row that was not there when the statement began but was inserted
     * before its own insert (a concurrent SET) would be replaced unseen: then the statement asks to be run again
     * (cache_retry), so that every old value is handed to exactly one caller.
     */
    private static final String SET_GENERAL = """
            with found as (
                select value, content_type, expires_at, hash from cache_entries where key = $2 for update),
            old as (
                select case when hash is not null and %5$s then cache_wrongtype(value) else value end as value, content_type
                  from found where expires_at is null or expires_at > now()),
            put as (
                insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
                select $1, $2, $3, %1$s, $6 from (select count(*) as n from old) o where %2$s
                on conflict (tenant_id, key) do update
                   set value = excluded.value, content_type = excluded.content_type, expires_at = %3$s, hash = null
                 where %4$s
                returning (xmax = 0) as inserted)
            select (select count(*) from put) as written, (select value from old) as old_value,
                   (select content_type from old) as old_type,
                   case when not exists (select 1 from found) and exists (select 1 from put where not inserted)
                        then cache_retry() end as retried
            """;

    private static final String INCR = """
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
            values ($1, $2, convert_to($3::int8::text, 'UTF8'), null, 'text/plain')
            on conflict (tenant_id, key) do update
               set value = convert_to((case when c.expires_at <= now() then 0 when c.hash is not null then cache_wrongtype(0::int8)
                                            else cache_int8(c.value) end + $3::int8)::text, 'UTF8'),
                   hash = null,
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

    /**
     * EXPIRE as Redis 7: the mode (%s) compares the new expiry {@code n.at} with the current one; then a new expiry in
     * the past deletes the key and any other sets it. $2: a TTL in ms, or $3: a Unix time in ms.
     */
    private static final String EXPIRE = """
            with n as (
                select case when $2::int8 is not null then now() + $2::int8 * interval '1 millisecond'
                            else 'epoch'::timestamptz + $3::int8 * interval '1 millisecond' end as at),
            hit as (
                select c.key from cache_entries c, n
                 where c.key = $1 and (c.expires_at is null or c.expires_at > now()) and %s
                   for update of c),
            gone as (
                delete from cache_entries c using n where c.key in (select key from hit) and n.at <= now() returning 1),
            changed as (
                update cache_entries c set expires_at = n.at from n where c.key in (select key from hit) and n.at > now() returning 1)
            select (select count(*) from gone) + (select count(*) from changed) as n
            """;

    private static final String PERSIST = "update cache_entries set expires_at = null where key = $1 and expires_at > now() returning 1";

    private static final String MGET = """
            select k.i, c.value, c.content_type
              from unnest($1::text[]) with ordinality k(key, i)
              left join cache_entries c on c.key = k.key collate "C" and (c.expires_at is null or c.expires_at > now()) and c.hash is null
             order by k.i
            """;

    private static final String MSET = """
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
            select $1, x.k, x.v, case when x.t is null then null else now() + x.t * interval '1 millisecond' end, null
              from unnest($2::text[], $3::bytea[], $4::int8[]) as x(k, v, t)
            on conflict (tenant_id, key) do update
               set value = excluded.value, expires_at = excluded.expires_at, content_type = excluded.content_type, hash = null
            """;

    private static final String SCAN = """
            select key from cache_entries
             where key >= $1 and ($2::text is null or key < $2) and ($3::text is null or key > $3)
               and (expires_at is null or expires_at > now())
             order by key limit $4
            """;

    private static final String FLUSH = """
            with d as (delete from cache_entries returning expires_at)
            select count(*) filter (where expires_at is null or expires_at > now()) as n from d
            """;

    private static final String GETDEL = """
            with d as (delete from cache_entries
                        where key = $1 and case when hash is not null and (expires_at is null or expires_at > now())
                                                then cache_wrongtype(true) else true end
                        returning value, content_type, expires_at)
            select value, content_type from d where expires_at is null or expires_at > now()
            """;

    private static final String GETEX = """
            update cache_entries
               set expires_at = case when $2::bool then null
                                     when $3::int8 is not null then now() + $3::int8 * interval '1 millisecond'
                                     when $4::int8 is not null then 'epoch'::timestamptz + $4::int8 * interval '1 millisecond'
                                     else expires_at end
             where key = $1 and (expires_at is null or expires_at > now()) and case when hash is null then true else cache_wrongtype(true) end
            returning value, content_type
            """;

    /** An expired row counts as missing: it is replaced, not appended to. */
    private static final String APPEND = """
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
            select $1::uuid, $2::text, $3::bytea, null, null where length($3::bytea) <= $4::int4
            on conflict (tenant_id, key) do update
               set value = case when c.expires_at <= now() then excluded.value when c.hash is not null then cache_wrongtype(c.value)
                                else c.value || excluded.value end,
                   hash = null,
                   expires_at = case when c.expires_at <= now() then null else c.expires_at end,
                   content_type = case when c.expires_at <= now() then null else c.content_type end
             where case when c.expires_at <= now() then 0 else length(c.value) end + length(excluded.value) <= $4::int4
            returning length(value)::int8 as n
            """;

    private static final String SETRANGE = """
            with cur as (
                select case when expires_at <= now() then ''::bytea when hash is not null then cache_wrongtype(value) else value end as value,
                       case when expires_at <= now() then null else expires_at end as expires_at, content_type
                  from cache_entries where key = $2::text for update),
            base as (select coalesce((select value from cur), ''::bytea) as v),
            next as (
                select overlay(v || decode(repeat('00', greatest(0, $4::int4 + length($3::bytea) - length(v))), 'hex')
                               placing $3::bytea from $4::int4 + 1) as v
                  from base),
            put as (
                insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
                select $1::uuid, $2::text, n.v, (select expires_at from cur), (select content_type from cur) from next n
                 where length($3::bytea) > 0 and length(n.v) <= $5::int4
                on conflict (tenant_id, key) do update set value = excluded.value, expires_at = excluded.expires_at, hash = null
                returning length(value)::int8 as n)
            select n from put
            union all
            select length(v)::int8 from base where length($3::bytea) = 0
            """;

    private static final String STRLEN = "select case when hash is null then length(value)::int8 else cache_wrongtype(0::int8) end as n"
            + " from cache_entries where key = $1 and " + LIVE;

    private static final String INCR_FLOAT = """
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
            values ($1, $2, convert_to(cache_float_text(cache_float(convert_to($3::text, 'UTF8'))), 'UTF8'), null, 'text/plain')
            on conflict (tenant_id, key) do update
               set value = convert_to(cache_float_text(case when c.expires_at <= now() then 0 when c.hash is not null
                                                       then cache_wrongtype(0::numeric) else cache_float(c.value) end
                                                       + cache_float(convert_to($3::text, 'UTF8'))), 'UTF8'),
                   hash = null,
                   expires_at = case when c.expires_at <= now() then null else c.expires_at end,
                   content_type = case when c.expires_at <= now() then 'text/plain' else c.content_type end
            returning convert_from(value, 'UTF8') as value
            """;

    /**
     * The tenant's advisory lock orders concurrent MSETNX calls, so two of them can never each write half; it is taken
     * by a statement of its own, so that MSETNX's statement, which starts after it, sees what the previous one wrote.
     */
    private static final String MSETNX_LOCK = "select pg_advisory_xact_lock(hashtextextended($1::text || ':msetnx', 0))";

    private static final String MSETNX = """
            with taken as (
                select count(*) as n from cache_entries
                 where key = any($2::text[]) and (expires_at is null or expires_at > now())),
            put as (
                insert into cache_entries as c (tenant_id, key, value, expires_at, content_type)
                select $1::uuid, x.k, x.v, null, null from unnest($2::text[], $3::bytea[]) as x(k, v), taken where taken.n = 0
                on conflict (tenant_id, key) do update
                   set value = excluded.value, expires_at = null, content_type = null, hash = null
                returning 1)
            select count(*) as n from put
            """;

    private static final String EXPIRES_AT = """
            select case when expires_at is null then -1 else floor(extract(epoch from expires_at) * 1000)::int8 end as at
              from cache_entries where key = $1 and
            """ + LIVE;

    private static final String TYPE = "select case when hash is null then 'string' else 'hash' end as t from cache_entries where key = $1 and "
            + LIVE;

    private static final String SIZE = "select count(*) as n from cache_entries where " + LIVE;

    private static final String ALL_KEYS = "select key from cache_entries where " + LIVE + " order by key";

    private static final String SCAN_HASH = """
            select key, hashtextextended(key, 0) as h, hash is not null as is_hash from cache_entries
             where hashtextextended(key, 0) >= $1::int8 and (expires_at is null or expires_at > now())
             order by hashtextextended(key, 0) limit $2
            """;

    /** %1$s: whether the move may happen (RENAMENX: no live target); %2$s: which existing target row it may replace. */
    private static final String RENAME = """
            with target as (
                select 1 from cache_entries where key = $3::text and (expires_at is null or expires_at > now()) for update),
            src as (
                delete from cache_entries where key = $2::text and (expires_at is null or expires_at > now()) and %1$s
                returning value, expires_at, content_type, hash),
            put as (
                insert into cache_entries as c (tenant_id, key, value, expires_at, content_type, hash)
                select $1::uuid, $3::text, value, expires_at, content_type, hash from src
                on conflict (tenant_id, key) do update
                   set value = excluded.value, expires_at = excluded.expires_at, content_type = excluded.content_type, hash = excluded.hash
                 where %2$s
                returning 1)
            select (select count(*) from put) as moved,
                   exists (select 1 from cache_entries where key = $2 and (expires_at is null or expires_at > now())) as source,
                   case when (select count(*) from src) > (select count(*) from put) then cache_retry() end as retried
            """;

    private static final String COPY = """
            insert into cache_entries as c (tenant_id, key, value, expires_at, content_type, hash)
            select $1::uuid, $3::text, value, expires_at, content_type, hash from cache_entries
             where key = $2::text and (expires_at is null or expires_at > now())
            on conflict (tenant_id, key) do update
               set value = excluded.value, expires_at = excluded.expires_at, content_type = excluded.content_type, hash = excluded.hash
             where $4::bool or c.expires_at <= now()
            returning 1
            """;

    private final TenantTx tx;
    /** Null: every operation is its own tenant transaction. Else the open transaction (MULTI/EXEC) they all run in. */
    private final SqlConnection bound;

    @Inject
    public CacheStore(TenantTx tx) {
        this(tx, null);
    }

    private CacheStore(TenantTx tx, SqlConnection bound) {
        this.tx = tx;
        this.bound = bound;
    }

    /**
     * The same operations as statements of a transaction already open on {@code conn} and scoped to the tenant
     * ({@link TenantTx#run}): for MULTI/EXEC, whose commands commit together.
     */
    public CacheStore within(SqlConnection conn) {
        return new CacheStore(tx, conn);
    }

    /** Runs work in one tenant transaction, with a store whose operations are its statements. */
    public <T> Uni<T> inTransaction(UUID tenant, java.util.function.Function<CacheStore, Uni<T>> work) {
        return tx.run(tenant, conn -> work.apply(within(conn)));
    }

    private Uni<RowSet<Row>> statement(UUID tenant, String sql, Tuple args) {
        Uni<RowSet<Row>> rows = bound == null ? tx.statement(tenant, sql, args) : bound.preparedQuery(sql).execute(args);
        return typed(rows);
    }

    private Uni<RowSet<Row>> call(UUID tenant, String sql, Tuple args) {
        return typed(bound == null ? tx.call(tenant, sql, args) : bound.preparedQuery(sql).execute(withTenant(tenant, args)));
    }

    private Uni<RowSet<Row>> callShared(UUID tenant, String sql, Tuple args) {
        return typed(bound == null ? tx.callShared(tenant, sql, args) : bound.preparedQuery(sql).execute(withTenant(tenant, args)));
    }

    private static Tuple withTenant(UUID tenant, Tuple args) {
        Tuple scoped = Tuple.tuple().addUUID(tenant);
        for (int i = 0; i < args.size(); i++) {
            scoped.addValue(args.getValue(i));
        }
        return scoped;
    }

    /** V19's cache_wrongtype (SQLSTATE OBWRT): a command met the other kind of value. */
    static final String WRONG_TYPE_STATE = "OBWRT";

    /** A string command on a hash or a hash command on a string: Redis's WRONGTYPE, HTTP 409. */
    public static final class WrongType extends ProblemException {
        public static final String MESSAGE = "WRONGTYPE Operation against a key holding the wrong kind of value";

        public WrongType() {
            super(409, "Conflict", MESSAGE);
        }
    }

    static <T> Uni<T> typed(Uni<T> work) {
        return work.onFailure(PgException.class).transform(e -> WRONG_TYPE_STATE.equals(((PgException) e).getSqlState()) ? new WrongType() : e);
    }

    public Uni<Optional<Value>> get(UUID tenant, String key) {
        return callShared(tenant, GET, Tuple.of(key)).map(rows -> {
            ServiceMetrics.cacheLookups(rows.size(), 1 - rows.size());
            return Rows.first(rows).map(r -> new Value(r.getBuffer("value").getBytes(), r.getString("content_type")));
        });
    }

    public Uni<SetResult> set(UUID tenant, String key, byte[] value, String contentType, Expiry expiry, Condition condition, boolean returnOld) {
        if (condition == Condition.ALWAYS && !returnOld && !expiry.keep()) {
            Tuple plain = Tuple.tuple().addString(key).addValue(Buffer.buffer(value))
                    .addLong(expiry.relativeMs()).addLong(expiry.absoluteMs()).addString(contentType);
            return mapLimits(call(tenant, SET_PLAIN, plain)).replaceWith(new SetResult(true, null));
        }
        Tuple args = Tuple.tuple().addUUID(tenant).addString(key).addValue(Buffer.buffer(value))
                .addLong(expiry.relativeMs()).addLong(expiry.absoluteMs()).addString(contentType);
        return retryConflict(() -> mapLimits(statement(tenant, setSql(condition, expiry.keep(), returnOld), args))).map(rows -> {
            Row r = rows.iterator().next();
            var old = r.getBuffer("old_value");
            return new SetResult(r.getLong("written") > 0, old == null ? null : new Value(old.getBytes(), r.getString("old_type")));
        });
    }

    static String setSql(Condition condition, boolean keepTtl, boolean returnOld) {
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
        return SET_GENERAL.formatted(EXPIRY, insertWhen, expires, updateWhen, returnOld);
    }

    public Uni<Long> incrBy(UUID tenant, String key, long by) {
        return mapLimits(statement(tenant, INCR, Tuple.of(tenant, key, by)))
                .map(rows -> rows.iterator().next().getLong("value"))
                .onFailure(PgException.class).transform(e -> {
                    String state = ((PgException) e).getSqlState();
                    if ("22P02".equals(state) || "22003".equals(state)) {
                        return notAnInteger();
                    }
                    return e;
                });
    }

    /** INCR on a value that is not an integer, or whose sum would be out of range: 409. */
    static ProblemException notAnInteger() {
        return ProblemException.conflict("The value is not an integer or the result would be out of range");
    }

    public Uni<Long> delete(UUID tenant, List<String> keys) {
        return statement(tenant, DEL, Tuple.of(keys.toArray(String[]::new))).map(rows -> rows.iterator().next().getLong("n"));
    }

    public Uni<Long> exists(UUID tenant, List<String> keys) {
        return statement(tenant, EXISTS, Tuple.of(keys.toArray(String[]::new))).map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Milliseconds left: -2 when the key does not exist, -1 when it has no expiry. */
    public Uni<Long> pttl(UUID tenant, String key) {
        return statement(tenant, PTTL, Tuple.of(key)).map(rows -> Rows.first(rows).map(r -> r.getLong("pttl")).orElse(-2L));
    }

    /**
     * EXPIRE with an optional mode (nx, xx, gt, lt), as Redis 7: the mode decides first; then a TTL of zero or less
     * deletes the key and a positive one sets its expiry.
     */
    public Uni<Boolean> expire(UUID tenant, String key, long ttlMs, String mode) {
        // every live expiry is in the future, so any TTL of zero or less compares the same way as -1 (and cannot overflow)
        return expire(tenant, key, ttlMs <= 0 ? Math.max(ttlMs, -1) : ttlMs, null, mode);
    }

    /** EXPIREAT / PEXPIREAT: the same at a Unix time in ms; a time in the past deletes the key. */
    public Uni<Boolean> expireAt(UUID tenant, String key, long unixMs, String mode) {
        return expire(tenant, key, null, Math.max(unixMs, 0), mode);
    }

    private Uni<Boolean> expire(UUID tenant, String key, Long ttlMs, Long unixMs, String mode) {
        String when = switch (mode == null ? "" : mode) {
            case "" -> "true";
            case "nx" -> "c.expires_at is null";
            case "xx" -> "c.expires_at is not null";
            case "gt" -> "c.expires_at is not null and n.at > c.expires_at";
            case "lt" -> "(c.expires_at is null or n.at < c.expires_at)";
            default -> throw ProblemException.badRequest("mode must be nx, xx, gt or lt");
        };
        Tuple args = Tuple.tuple().addString(key).addLong(ttlMs).addLong(unixMs);
        return statement(tenant, EXPIRE.formatted(when), args).map(rows -> rows.iterator().next().getLong("n") > 0);
    }

    public Uni<Boolean> persist(UUID tenant, String key) {
        return statement(tenant, PERSIST, Tuple.of(key)).map(rows -> rows.rowCount() > 0);
    }

    /** The values of the keys in order, null for a missing key. */
    public Uni<List<Value>> mget(UUID tenant, List<String> keys) {
        return statement(tenant, MGET, Tuple.of(keys.toArray(String[]::new))).map(rows -> {
            List<Value> values = new ArrayList<>(keys.size());
            rows.forEach(r -> {
                var b = r.getBuffer("value");
                values.add(b == null ? null : new Value(b.getBytes(), r.getString("content_type")));
            });
            long hits = values.stream().filter(v -> v != null).count();
            ServiceMetrics.cacheLookups((int) hits, values.size() - (int) hits);
            return values;
        });
    }

    /** All or nothing: one statement, so an entry limit hit part-way writes none of them. Keys must be distinct. */
    public Uni<Void> mset(UUID tenant, List<Entry> given) {
        List<Entry> entries = inKeyOrder(given);
        String[] keys = new String[entries.size()];
        Buffer[] values = new Buffer[entries.size()];
        Long[] ttls = new Long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            keys[i] = entries.get(i).key();
            values[i] = Buffer.buffer(entries.get(i).value());
            ttls[i] = entries.get(i).ttlMs();
        }
        return mapLimits(statement(tenant, MSET, Tuple.of(tenant, keys, values, ttls))).replaceWithVoid();
    }

    /**
     * Writers that lock several rows lock them in one order (the keys' byte order, as the table's collation "C"
     * sorts them), so two of them on overlapping keys wait for each other instead of deadlocking.
     */
    static List<Entry> inKeyOrder(List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> compareUtf8(a.key(), b.key()));
        return sorted;
    }

    /** The byte order of the UTF-8 encodings (which is code point order, not Java's UTF-16 order). */
    static int compareUtf8(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Keys starting with prefix, in key order (byte order), after the cursor key. */
    public Uni<ScanPage> scan(UUID tenant, String prefix, String after, int count) {
        String upper = upperBound(prefix);
        return statement(tenant, SCAN, Tuple.of(prefix, upper, after, count)).map(rows -> {
            List<String> keys = new ArrayList<>();
            rows.forEach(r -> keys.add(r.getString("key")));
            return new ScanPage(keys, keys.size() == count ? keys.get(keys.size() - 1) : null);
        });
    }

    public Uni<Long> flush(UUID tenant) {
        return statement(tenant, FLUSH, Tuple.tuple()).map(rows -> rows.iterator().next().getLong("n"));
    }

    /** GETDEL: the live value, and the key is gone. */
    public Uni<Optional<Value>> getDel(UUID tenant, String key) {
        return statement(tenant, GETDEL, Tuple.of(key)).map(CacheStore::firstValue);
    }

    /** GETEX: the live value, with its expiry changed (NONE leaves it, KEEP is not meant here) or removed (persist). */
    public Uni<Optional<Value>> getEx(UUID tenant, String key, Expiry expiry, boolean persist) {
        Tuple args = Tuple.tuple().addString(key).addBoolean(persist).addLong(expiry.relativeMs()).addLong(expiry.absoluteMs());
        return statement(tenant, GETEX, args).map(CacheStore::firstValue);
    }

    /** APPEND: the new length, or empty when the result would be longer than maxBytes (nothing is written then). */
    public Uni<Optional<Long>> append(UUID tenant, String key, byte[] suffix, int maxBytes) {
        return mapLimits(statement(tenant, APPEND, Tuple.of(tenant, key, Buffer.buffer(suffix), maxBytes)))
                .map(rows -> Rows.first(rows).map(r -> r.getLong("n")));
    }

    /** SETRANGE: the new length, or empty when it would be longer than maxBytes. A missing key with nothing to write stays missing. */
    public Uni<Optional<Long>> setRange(UUID tenant, String key, int offset, byte[] part, int maxBytes) {
        Tuple args = Tuple.tuple().addUUID(tenant).addString(key).addValue(Buffer.buffer(part)).addInteger(offset).addInteger(maxBytes);
        return mapLimits(statement(tenant, SETRANGE, args)).map(rows -> Rows.first(rows).map(r -> r.getLong("n")));
    }

    /** STRLEN: 0 when the key is missing. */
    public Uni<Long> strlen(UUID tenant, String key) {
        return statement(tenant, STRLEN, Tuple.of(key)).map(rows -> Rows.first(rows).map(r -> r.getLong("n")).orElse(0L));
    }

    /** INCRBYFLOAT: the new value as text (exact decimal arithmetic, no trailing zeros). */
    public Uni<String> incrByFloat(UUID tenant, String key, String by) {
        return mapLimits(statement(tenant, INCR_FLOAT, Tuple.of(tenant, key, by)))
                .map(rows -> rows.iterator().next().getString("value"))
                .onFailure(PgException.class).transform(e -> {
                    String state = ((PgException) e).getSqlState();
                    if ("22P02".equals(state) || "22003".equals(state)) {
                        return ProblemException.conflict("The value is not a valid float");
                    }
                    return e;
                });
    }

    /** MSETNX: all entries are written if none of the keys exists, else none; true when written. Keys must be distinct. */
    public Uni<Boolean> msetNx(UUID tenant, List<Entry> given) {
        List<Entry> entries = inKeyOrder(given);
        String[] keys = new String[entries.size()];
        Buffer[] values = new Buffer[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            keys[i] = entries.get(i).key();
            values[i] = Buffer.buffer(entries.get(i).value());
        }
        java.util.function.Function<SqlConnection, Uni<RowSet<Row>>> work = conn -> conn.preparedQuery(MSETNX_LOCK)
                .execute(Tuple.of(tenant.toString())).flatMap(locked -> conn.preparedQuery(MSETNX).execute(Tuple.of(tenant, keys, values)));
        return mapLimits(bound == null ? tx.run(tenant, work) : work.apply(bound))
                .map(rows -> rows.iterator().next().getLong("n") > 0);
    }

    /** Unix milliseconds of the expiry: -2 when the key does not exist, -1 when it has no expiry. */
    public Uni<Long> expiresAt(UUID tenant, String key) {
        return statement(tenant, EXPIRES_AT, Tuple.of(key)).map(rows -> Rows.first(rows).map(r -> r.getLong("at")).orElse(-2L));
    }

    // --- transactions (MULTI/EXEC) ----------------------------------------------------------------------------

    /**
     * A version of each key for WATCH: the row version ({@code xmin}, new on every change of the row, by any writer,
     * over any protocol) of a live key, "none" for a missing or expired one. In a transaction the rows are locked, so
     * they cannot change before it ends.
     */
    private static final String VERSIONS = """
            select key, xmin::text as v, (expires_at is null or expires_at > now()) as live from cache_entries
             where key = any($1::text[]) %s""";

    public Uni<Map<String, String>> versions(UUID tenant, List<String> keys) {
        String sql = VERSIONS.formatted(bound == null ? "" : "order by key for update");
        return statement(tenant, sql, Tuple.of(keys.toArray(String[]::new))).map(rows -> {
            Map<String, String> versions = new java.util.HashMap<>();
            keys.forEach(k -> versions.put(k, "none"));
            rows.forEach(r -> versions.put(r.getString("key"), r.getBoolean("live") ? r.getString("v") : "none"));
            return versions;
        });
    }

    /** In a transaction: marks the point a failed command rolls back to, so the commands after it still run. */
    public Uni<Void> savepoint() {
        return bound.query("SAVEPOINT command").execute().replaceWithVoid();
    }

    public Uni<Void> rollbackToSavepoint() {
        return bound.query("ROLLBACK TO SAVEPOINT command").execute().replaceWithVoid();
    }

    // --- hashes ------------------------------------------------------------------------------------------------

    private static final String HASH_READ = "select hash from cache_entries where key = $1 and " + LIVE;
    private static final String HASH_LOCK = """
            select hash, (expires_at is null or expires_at > now()) as live from cache_entries where key = $1 for update""";
    private static final String HASH_UPDATE = """
            update cache_entries set hash = $2::jsonb, value = ''::bytea, content_type = null,
                   expires_at = case when $3::bool then expires_at end
             where key = $1""";
    private static final String HASH_INSERT = """
            insert into cache_entries (tenant_id, key, value, expires_at, content_type, hash)
            values ($1, $2, ''::bytea, null, null, $3::jsonb) on conflict (tenant_id, key) do nothing returning 1""";
    private static final String HASH_DELETE = "delete from cache_entries where key = $1";

    /** A change to one hash: gets its fields (empty when the key is missing, in field order), changes them, answers. */
    public interface HashChange<T> {
        T apply(java.util.LinkedHashMap<String, byte[]> fields);
    }

    /** The hash changed meanwhile by a writer that created the key: the change is run once more. */
    private static final class HashRace extends RuntimeException {
        HashRace() {
            super("a concurrent write created the key", null, false, false);
        }
    }

    /**
     * The fields of a hash: null when the key is missing (or expired); {@link WrongType} when it holds a string.
     * Values are the bytes stored.
     */
    public Uni<java.util.LinkedHashMap<String, byte[]>> hash(UUID tenant, String key) {
        return statement(tenant, HASH_READ, Tuple.of(key)).map(rows -> Rows.first(rows).map(r -> {
            io.vertx.core.json.JsonObject hash = r.getJsonObject("hash");
            if (hash == null) {
                throw new WrongType();
            }
            return decode(hash);
        }).orElse(null));
    }

    /**
     * Changes one hash in one transaction: its row is locked, {@code change} runs on its fields and the result is
     * written back (the key deleted when no field is left, nothing written when nothing changed; a new key has no
     * expiry, an existing one keeps its expiry). A string under the key is {@link WrongType}; a hash bigger than
     * {@code maxBytes} (fields and values) fails with 413 and nothing is written.
     */
    public <T> Uni<T> changeHash(UUID tenant, String key, int maxBytes, HashChange<T> change) {
        java.util.function.Function<SqlConnection, Uni<T>> work = conn -> conn.preparedQuery(HASH_LOCK).execute(Tuple.of(key))
                .flatMap(rows -> {
                    Optional<Row> row = Rows.first(rows);
                    boolean live = row.isPresent() && row.get().getBoolean("live");
                    io.vertx.core.json.JsonObject stored = row.map(r -> r.getJsonObject("hash")).orElse(null);
                    if (live && stored == null) {
                        throw new WrongType();
                    }
                    java.util.LinkedHashMap<String, byte[]> fields = live ? decode(stored) : new java.util.LinkedHashMap<>();
                    io.vertx.core.json.JsonObject before = live ? stored : new io.vertx.core.json.JsonObject();
                    T result = change.apply(fields);
                    io.vertx.core.json.JsonObject after = encode(fields);
                    if (after.equals(before) && live) {
                        return Uni.createFrom().item(result);
                    }
                    if (fields.isEmpty()) {
                        return row.isPresent() ? conn.preparedQuery(HASH_DELETE).execute(Tuple.of(key)).replaceWith(result)
                                : Uni.createFrom().item(result);
                    }
                    long size = 0;
                    for (var e : fields.entrySet()) {
                        size += e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + e.getValue().length;
                    }
                    if (size > maxBytes) {
                        throw ProblemException.tooLarge("The hash would hold " + size + " bytes; the plan allows " + maxBytes
                                + " per value");
                    }
                    if (row.isPresent()) {
                        return conn.preparedQuery(HASH_UPDATE).execute(Tuple.of(key, after, live)).replaceWith(result);
                    }
                    return conn.preparedQuery(HASH_INSERT).execute(Tuple.of(tenant, key, after)).map(inserted -> {
                        if (inserted.rowCount() == 0) {
                            throw new HashRace();
                        }
                        return result;
                    });
                });
        if (bound != null) {
            return typed(mapLimits(work.apply(bound)));
        }
        return Uni.createFrom().<T>deferred(() -> typed(mapLimits(tx.run(tenant, work))))
                .onFailure(HashRace.class).retry().atMost(5);
    }

    private static java.util.LinkedHashMap<String, byte[]> decode(io.vertx.core.json.JsonObject hash) {
        java.util.LinkedHashMap<String, byte[]> fields = new java.util.LinkedHashMap<>();
        java.util.Base64.Decoder decoder = java.util.Base64.getMimeDecoder();
        for (var e : hash) {
            fields.put(e.getKey(), decoder.decode((String) e.getValue()));
        }
        return fields;
    }

    private static io.vertx.core.json.JsonObject encode(java.util.Map<String, byte[]> fields) {
        io.vertx.core.json.JsonObject hash = new io.vertx.core.json.JsonObject();
        java.util.Base64.Encoder encoder = java.util.Base64.getEncoder();
        fields.forEach((k, v) -> hash.put(k, encoder.encodeToString(v)));
        return hash;
    }

    /** TYPE: "string", "hash", or "none" for a missing key. */
    public Uni<String> type(UUID tenant, String key) {
        return statement(tenant, TYPE, Tuple.of(key)).map(rows -> Rows.first(rows).map(r -> r.getString("t")).orElse("none"));
    }

    /** The number of live keys. */
    public Uni<Long> size(UUID tenant) {
        return statement(tenant, SIZE, Tuple.tuple()).map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Every live key, in key order (KEYS); the plan's entry limit bounds how many there can be. */
    public Uni<List<String>> allKeys(UUID tenant) {
        return statement(tenant, ALL_KEYS, Tuple.tuple()).map(rows -> {
            List<String> keys = new ArrayList<>();
            rows.forEach(r -> keys.add(r.getString("key")));
            return keys;
        });
    }

    /**
     * One page of SCAN in the order of the keys' 64-bit hashes (V10's index), from the hash {@code from} on: a
     * cursor that is a plain number and survives any change of the keyspace between pages. {@code next} is the hash
     * to continue from, or null at the end.
     */
    public Uni<HashPage> scanByHash(UUID tenant, long from, int count) {
        return statement(tenant, SCAN_HASH, Tuple.of(from, count + 1)).map(rows -> {
            List<String> keys = new ArrayList<>();
            List<Long> hashes = new ArrayList<>();
            java.util.Set<String> hashKeys = new java.util.HashSet<>();
            rows.forEach(r -> {
                keys.add(r.getString("key"));
                hashes.add(r.getLong("h"));
                if (r.getBoolean("is_hash")) {
                    hashKeys.add(r.getString("key"));
                }
            });
            if (keys.size() <= count) {
                return new HashPage(keys, hashKeys, null);
            }
            long next = hashes.get(count);
            int end = count;
            // keys sharing the next page's first hash go to that page, so none is skipped or repeated
            while (end > 0 && hashes.get(end - 1) == next) {
                end--;
            }
            if (end == 0) {
                end = keys.size();
                next = hashes.get(end - 1) + 1;
            }
            return new HashPage(keys.subList(0, end), hashKeys, next == Long.MIN_VALUE ? null : next);
        });
    }

    /** One SCAN page: its keys, which of them hold hashes, and where the next page starts (null: the end). */
    public record HashPage(List<String> keys, java.util.Set<String> hashes, Long next) {
    }

    /** RENAME (or RENAMENX with onlyIfAbsent): MOVED, NO_SOURCE, or (NX) TARGET_EXISTS. */
    public Uni<Renamed> rename(UUID tenant, String from, String to, boolean onlyIfAbsent) {
        String sql = RENAME.formatted(onlyIfAbsent ? "not exists (select 1 from target)" : "true",
                onlyIfAbsent ? "c.expires_at <= now()" : "true");
        return retryConflict(() -> mapLimits(statement(tenant, sql, Tuple.of(tenant, from, to))))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return r.getLong("moved") > 0 ? Renamed.MOVED : r.getBoolean("source") ? Renamed.TARGET_EXISTS : Renamed.NO_SOURCE;
                });
    }

    public enum Renamed {
        MOVED, NO_SOURCE, TARGET_EXISTS
    }

    /** COPY: false when the source does not exist or the target does and replace is false. */
    public Uni<Boolean> copy(UUID tenant, String from, String to, boolean replace) {
        return mapLimits(statement(tenant, COPY, Tuple.of(tenant, from, to, replace))).map(rows -> rows.rowCount() > 0);
    }

    /** The statement saw a concurrent change it cannot resolve by itself (see V10's cache_retry): run it once more. */
    private <T> Uni<T> retryConflict(java.util.function.Supplier<Uni<T>> work) {
        if (bound != null) {
            return work.get(); // inside a transaction a failed statement has aborted it: no retry here
        }
        return Uni.createFrom().<T>deferred(() -> work.get()).onFailure(e -> e instanceof PgException pg && "40001".equals(pg.getSqlState()))
                .retry().atMost(3);
    }

    private static Optional<Value> firstValue(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        return Rows.first(rows).map(r -> new Value(r.getBuffer("value").getBytes(), r.getString("content_type")));
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
    static <T> Uni<T> mapLimits(Uni<T> work) {
        return work.onFailure(PgException.class).transform(e -> "53400".equals(((PgException) e).getSqlState())
                ? new ProblemException(507, "Insufficient Storage", "The plan's number of cache entries is used up; "
                        + "delete keys, let them expire or move to a bigger plan")
                : e);
    }
}
