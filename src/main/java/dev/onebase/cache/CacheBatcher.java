package dev.onebase.cache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.PipelinedClient;
import dev.onebase.db.TenantTx;
import dev.onebase.web.ServiceMetrics;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * GETs and plain SETs of one tenant that arrive together on one event loop become one statement
 * ({@code cache_get_many}, {@code cache_set_many} of V19): the commands of a tenant read from the sockets in one turn
 * of the event loop go out at the end of that turn as one batch. Each event loop keeps, per tenant, up to
 * {@link #GETS_IN_FLIGHT} batches of GETs and {@link #WRITES_IN_FLIGHT} of SETs (and of INCRs) in flight; past that,
 * what arrives waits and goes out as the next batch when one returns. So a command does not wait for another batch's
 * round trip before its own while few are out, and under load the batches grow instead of the statements. The
 * statements are tenant functions, so Row-Level Security fences them exactly as a single GET or SET. Both fronts use
 * it: the RESP server's GETs, SETs and INCRs, and the HTTP GET ({@link CacheGetRoute}).
 *
 * <p>The order of commands is kept where it is observable: a write names the connection it came from (its origin),
 * and a connection's writes are never in two batches out at once: while one of its writes is out, its later ones
 * (and only its) wait, in order, for the next batch. Without that, a RESP connection's pipelined writes, which may
 * reach the batcher in different turns after an asynchronous check, could go out in two batches side by side, on two
 * connections of the pool, and commit in either order. Within a batch of SETs the last write of a key is the one kept
 * (every caller gets OK, as if the writes had run one after the other); the rows of a batch are locked in key order,
 * so batches side by side wait for each other instead of deadlocking. GETs change nothing: they go side by side on
 * the loop's pipelined connection, which answers in order. A SET batch that hits the plan's entry limit is retried
 * one SET at a time, so only the SETs that really do not fit fail.
 *
 * <p>The GET path has no Uni inside ({@link #get(UUID, String, Answer)}): the batch is sent with the Vert.x SQL
 * client's own callback on the event loop's pipelined connection, and each caller's {@link Answer} is called from it,
 * so a GET costs no Mutiny operators and no context propagation around them; {@link #get(UUID, String)} wraps it in
 * a Uni for the callers that want one.
 */
@ApplicationScoped
public class CacheBatcher {

    static final int MAX_BATCH = 512;
    /** Batches of GETs in flight per tenant and event loop, on the loop's pipelined connection. */
    static final int GETS_IN_FLIGHT = 4;
    /** Batches of SETs (and of INCRs) in flight per tenant and event loop, each on a connection of the pool. */
    static final int WRITES_IN_FLIGHT = 2;

    private static final String GET_MANY = "select i, value, content_type, is_hash from cache_get_many($1, $2)";
    private static final String SET_MANY = "select cache_set_many($1, $2, $3, $4)";
    private static final String INCR_MANY = "select new_value, failure from cache_incr_many($1, $2, $3)";

    private final TenantTx tx;
    private final PipelinedClient pipelined;
    private final CacheStore store;
    private final ThreadLocal<Map<UUID, Batch<Get>>> gets = ThreadLocal.withInitial(HashMap::new);
    private final ThreadLocal<Map<UUID, Batch<Set>>> sets = ThreadLocal.withInitial(HashMap::new);
    private final ThreadLocal<Map<UUID, Batch<Incr>>> incrs = ThreadLocal.withInitial(HashMap::new);
    /** cache_get_many statements sent, and the GETs they carried (what the tests look at). */
    private final java.util.concurrent.atomic.LongAdder getStatements = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder batchedGets = new java.util.concurrent.atomic.LongAdder();

    public CacheBatcher(TenantTx tx, PipelinedClient pipelined, CacheStore store) {
        this.tx = tx;
        this.pipelined = pipelined;
        this.store = store;
    }

    /** The answer of one GET: the value, or null for a missing or expired key; or the failure (a hash: WrongType). */
    @FunctionalInterface
    public interface Answer {
        void done(CacheStore.Value value, Throwable failure);
    }

    private static final class Get {
        final String key;
        final Answer answer;

        Get(String key, Answer answer) {
            this.key = key;
            this.answer = answer;
        }
    }

    @io.quarkus.runtime.annotations.RegisterForReflection
    private record Set(Object origin, String key, byte[] value, Long ttlMs, UniEmitter<? super Void> emitter) {
    }

    @io.quarkus.runtime.annotations.RegisterForReflection
    private record Incr(Object origin, String key, long by, UniEmitter<? super Long> emitter) {
    }

    private static final class Batch<T> {
        final List<T> waiting = new ArrayList<>();
        final int maxInFlight;
        /** The connection a write came from (writes only): one connection's writes are never in two batches out. */
        final Function<T, Object> originOf;
        final Map<Object, Integer> originsOut = new IdentityHashMap<>();
        int inFlight;
        boolean scheduled;

        Batch(int maxInFlight, Function<T, Object> originOf) {
            this.maxInFlight = maxInFlight;
            this.originOf = originOf;
        }

        /** The next batch: up to MAX_BATCH of what waits, in order, less what must wait for a batch out. */
        List<T> take() {
            if (originOf == null) {
                List<T> head = waiting.size() <= MAX_BATCH ? waiting : waiting.subList(0, MAX_BATCH);
                List<T> batch = new ArrayList<>(head);
                head.clear();
                return batch;
            }
            List<T> batch = new ArrayList<>();
            List<T> rest = new ArrayList<>();
            Map<Object, Boolean> held = new IdentityHashMap<>();
            for (T item : waiting) {
                Object origin = originOf.apply(item);
                if (batch.size() == MAX_BATCH || originsOut.containsKey(origin) || held.containsKey(origin)) {
                    held.put(origin, Boolean.TRUE); // and so every later write of that connection
                    rest.add(item);
                } else {
                    batch.add(item);
                }
            }
            waiting.clear();
            waiting.addAll(rest);
            return batch;
        }

        /** The connections of a batch going out (writes only). */
        List<Object> out(List<T> batch) {
            if (originOf == null) {
                return List.of();
            }
            Map<Object, Boolean> distinct = new IdentityHashMap<>();
            for (T item : batch) {
                distinct.put(originOf.apply(item), Boolean.TRUE);
            }
            List<Object> origins = new ArrayList<>(distinct.keySet());
            origins.forEach(o -> originsOut.merge(o, 1, Integer::sum));
            return origins;
        }

        void back(List<Object> origins) {
            origins.forEach(o -> originsOut.computeIfPresent(o, (k, n) -> n == 1 ? null : n - 1));
        }
    }

    /** GET: the live string value; a hash fails with {@link CacheStore.WrongType}. */
    public Uni<Optional<CacheStore.Value>> get(UUID tenant, String key) {
        Context ctx = Vertx.currentContext();
        if (ctx == null || !ctx.isEventLoopContext()) {
            return store.get(tenant, key);
        }
        return Uni.createFrom().emitter(em -> enqueue(ctx, gets.get(), tenant, new Get(key, (value, failure) -> {
            if (failure != null) {
                em.fail(failure);
            } else {
                em.complete(Optional.ofNullable(value));
            }
        }), this::sendGets, GETS_IN_FLIGHT, null));
    }

    /**
     * GET with a callback and no Uni: {@code answer} is called once, on an event loop (on a worker thread or off
     * Vert.x, from the single-GET path of the store).
     */
    public void get(UUID tenant, String key, Answer answer) {
        Context ctx = Vertx.currentContext();
        if (ctx == null || !ctx.isEventLoopContext()) {
            store.get(tenant, key).subscribe().with(v -> answer.done(v.orElse(null), null), e -> answer.done(null, e));
            return;
        }
        enqueue(ctx, gets.get(), tenant, new Get(key, answer), this::sendGets, GETS_IN_FLIGHT, null);
    }

    /**
     * A plain SET (no condition, no GET, no absolute expiry): ttlMs null for none. {@code origin} is the connection
     * it came from (compared by identity), whose writes are applied in the order they were asked.
     */
    public Uni<Void> set(Object origin, UUID tenant, String key, byte[] value, Long ttlMs) {
        Context ctx = Vertx.currentContext();
        if (ctx == null || !ctx.isEventLoopContext()) {
            return store.set(tenant, key, value, null, new CacheStore.Expiry(ttlMs, null, false), CacheStore.Condition.ALWAYS, false)
                    .replaceWithVoid();
        }
        return Uni.createFrom().emitter(em -> enqueue(ctx, sets.get(), tenant, new Set(origin, key, value, ttlMs, em), this::sendSets, WRITES_IN_FLIGHT, Set::origin));
    }

    /**
     * MGET: the live string values in order, null for a missing key or a hash (as Redis's MGET). Its keys join the
     * GETs of the tenant on this event loop; they go out in one statement (up to {@link #MAX_BATCH} keys), so they are
     * read from one snapshot.
     */
    public Uni<List<CacheStore.Value>> mget(UUID tenant, List<String> keys) {
        Context ctx = Vertx.currentContext();
        if (ctx == null || !ctx.isEventLoopContext() || keys.isEmpty()) {
            return store.mget(tenant, keys);
        }
        return Uni.createFrom().emitter(em -> {
            CacheStore.Value[] values = new CacheStore.Value[keys.size()];
            int[] left = {keys.size()};
            boolean[] failed = {false};
            Map<UUID, Batch<Get>> mine = gets.get();
            for (int i = 0; i < values.length; i++) {
                int at = i;
                enqueue(ctx, mine, tenant, new Get(keys.get(i), (value, failure) -> {
                    if (failed[0]) {
                        return;
                    }
                    if (failure != null && !(failure instanceof CacheStore.WrongType)) {
                        failed[0] = true;
                        em.fail(failure);
                        return;
                    }
                    values[at] = value;
                    if (--left[0] == 0) {
                        em.complete(java.util.Arrays.asList(values));
                    }
                }), this::sendGets, GETS_IN_FLIGHT, null);
            }
        });
    }

    /**
     * INCRBY (INCR, DECR, DECRBY): the new value; fails as {@link CacheStore#incrBy} does (409 for a value that is not
     * an integer or a sum out of range, {@link CacheStore.WrongType} for a hash, 507 when the plan's entries are used
     * up). The INCRs of a tenant that arrive together are one statement ({@code cache_incr_many} of V28).
     */
    public Uni<Long> incr(Object origin, UUID tenant, String key, long by) {
        Context ctx = Vertx.currentContext();
        if (ctx == null || !ctx.isEventLoopContext()) {
            return store.incrBy(tenant, key, by);
        }
        return Uni.createFrom().emitter(em -> enqueue(ctx, incrs.get(), tenant, new Incr(origin, key, by, em), this::sendIncrs, WRITES_IN_FLIGHT, Incr::origin));
    }

    long getStatements() {
        return getStatements.sum();
    }

    long batchedGets() {
        return batchedGets.sum();
    }

    /** Sends one batch and calls {@code done} (from any thread) once every caller of it has its answer. */
    private interface Sender<T> {
        void send(UUID tenant, List<T> batch, Runnable done);
    }

    private static <T> void enqueue(Context ctx, Map<UUID, Batch<T>> batches, UUID tenant, T item, Sender<T> sender, int maxInFlight,
            Function<T, Object> originOf) {
        Batch<T> b = batches.computeIfAbsent(tenant, t -> new Batch<>(maxInFlight, originOf));
        b.waiting.add(item);
        if (!b.scheduled && b.inFlight < b.maxInFlight) {
            b.scheduled = true;
            ctx.runOnContext(v -> flush(ctx, batches, tenant, b, sender));
        }
    }

    private static <T> void flush(Context ctx, Map<UUID, Batch<T>> batches, UUID tenant, Batch<T> b, Sender<T> sender) {
        b.scheduled = false;
        if (b.waiting.isEmpty()) {
            if (b.inFlight == 0) {
                batches.remove(tenant, b);
            }
            return;
        }
        while (!b.waiting.isEmpty() && b.inFlight < b.maxInFlight) {
            List<T> batch = b.take();
            if (batch.isEmpty()) {
                break; // all that waits comes from connections with a write out
            }
            List<Object> origins = b.out(batch);
            b.inFlight++;
            Runnable returned = () -> {
                b.inFlight--;
                b.back(origins);
                if (!b.scheduled) {
                    flush(ctx, batches, tenant, b, sender);
                }
            };
            sender.send(tenant, batch, () -> onContext(ctx, returned));
        }
        // what still waits goes when a batch returns
    }

    private static void onContext(Context ctx, Runnable action) {
        if (Vertx.currentContext() == ctx) {
            action.run();
        } else {
            ctx.runOnContext(v -> action.run());
        }
    }

    /** One cache_get_many on the event loop's pipelined connection, with the Vert.x client's callback. */
    private void sendGets(UUID tenant, List<Get> batch, Runnable done) {
        String[] keys = new String[batch.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = batch.get(i).key;
        }
        getStatements.increment();
        batchedGets.add(keys.length);
        try {
            pipelined.client().getDelegate().preparedQuery(GET_MANY).execute(io.vertx.sqlclient.Tuple.tuple().addUUID(tenant).addArrayOfString(keys), ar -> {
                try {
                    if (ar.succeeded()) {
                        answerGets(batch, ar.result());
                    } else {
                        for (Get g : batch) {
                            answer(g, null, ar.cause());
                        }
                    }
                } finally {
                    done.run();
                }
            });
        } catch (RuntimeException e) {
            for (Get g : batch) {
                answer(g, null, e);
            }
            done.run();
        }
    }

    private static void answerGets(List<Get> batch, io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> rows) {
        Object[] found = new Object[batch.size()];
        int hits = 0;
        for (io.vertx.sqlclient.Row r : rows) {
            int i = (int) (r.getLong(0) - 1);
            found[i] = r.getBoolean(3) ? Boolean.TRUE : new CacheStore.Value(r.getBuffer(1).getBytes(), r.getString(2));
            hits++;
        }
        ServiceMetrics.cacheLookups(hits, found.length - hits);
        for (int i = 0; i < found.length; i++) {
            if (found[i] == Boolean.TRUE) {
                answer(batch.get(i), null, new CacheStore.WrongType());
            } else {
                answer(batch.get(i), (CacheStore.Value) found[i], null);
            }
        }
    }

    /** One caller's answer; what a caller throws stays its own (the other callers of the batch still get theirs). */
    private static void answer(Get g, CacheStore.Value value, Throwable failure) {
        try {
            g.answer.done(value, failure);
        } catch (RuntimeException e) {
            org.jboss.logging.Logger.getLogger(CacheBatcher.class).debugf(e, "A GET's answer failed");
        }
    }

    private void sendSets(UUID tenant, List<Set> batch, Runnable done) {
        Uni<?> sent;
        try {
            sent = setMany(tenant, batch);
        } catch (RuntimeException e) {
            batch.forEach(s -> s.emitter().fail(e));
            done.run();
            return;
        }
        sent.subscribe().with(ok -> done.run(), failed -> done.run());
    }

    private Uni<?> setMany(UUID tenant, List<Set> batch) {
        Map<String, Set> last = new LinkedHashMap<>();
        for (Set s : batch) {
            last.remove(s.key());
            last.put(s.key(), s);
        }
        List<Set> distinct = new ArrayList<>(last.values());
        // rows locked in one key order, so concurrent batches on overlapping keys wait instead of deadlocking
        distinct.sort((a, b) -> CacheStore.compareUtf8(a.key(), b.key()));
        String[] keys = new String[distinct.size()];
        Buffer[] values = new Buffer[distinct.size()];
        Long[] ttls = new Long[distinct.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = distinct.get(i).key();
            values[i] = Buffer.buffer(distinct.get(i).value());
            ttls[i] = distinct.get(i).ttlMs();
        }
        return CacheStore.mapLimits(tx.call(tenant, SET_MANY, Tuple.of(keys, values, ttls)))
                .invoke(ok -> batch.forEach(s -> s.emitter().complete(null)))
                .onFailure().recoverWithUni(e -> {
                    if (batch.size() > 1 && (e instanceof dev.onebase.web.ProblemException
                            || e instanceof PgException pg && "40P01".equals(pg.getSqlState()))) {
                        return oneByOne(tenant, batch); // the entry limit (or a deadlock): settle each SET alone
                    }
                    batch.forEach(s -> s.emitter().fail(e));
                    return Uni.createFrom().nullItem();
                });
    }

    private void sendIncrs(UUID tenant, List<Incr> batch, Runnable done) {
        Uni<?> sent;
        try {
            sent = incrMany(tenant, batch);
        } catch (RuntimeException e) {
            batch.forEach(s -> s.emitter().fail(e));
            done.run();
            return;
        }
        sent.subscribe().with(ok -> done.run(), failed -> done.run());
    }

    private Uni<?> incrMany(UUID tenant, List<Incr> batch) {
        // rows locked in one key order (a stable sort: the INCRs of one key keep theirs), so concurrent batches wait
        // for each other instead of deadlocking
        List<Incr> sorted = new ArrayList<>(batch);
        sorted.sort((a, b) -> CacheStore.compareUtf8(a.key(), b.key()));
        String[] keys = new String[sorted.size()];
        Long[] bys = new Long[sorted.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = sorted.get(i).key();
            bys[i] = sorted.get(i).by();
        }
        return tx.call(tenant, INCR_MANY, Tuple.of(keys, bys)).invoke(rows -> {
            int i = 0;
            for (Row r : rows) {
                Incr incr = sorted.get(i++);
                String failure = r.getString(1);
                if (failure == null) {
                    incr.emitter().complete(r.getLong(0));
                } else if (CacheStore.WRONG_TYPE_STATE.equals(failure)) {
                    incr.emitter().fail(new CacheStore.WrongType());
                } else {
                    incr.emitter().fail(CacheStore.notAnInteger());
                }
            }
        }).onFailure().recoverWithUni(e -> {
            // the entry limit, a deadlock or a concurrent write the checks did not see: nothing was written; each
            // INCR alone then gets its own answer
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (Incr incr : batch) {
                chain = chain.flatMap(x -> store.incrBy(tenant, incr.key(), incr.by()).onItemOrFailure().invoke((n, f) -> {
                    if (f == null) {
                        incr.emitter().complete(n);
                    } else {
                        incr.emitter().fail(f);
                    }
                }).onFailure().recoverWithNull().replaceWithVoid());
            }
            return chain.replaceWith((RowSet<Row>) null);
        });
    }

    private Uni<RowSet<Row>> oneByOne(UUID tenant, List<Set> batch) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Set s : batch) {
            chain = chain.flatMap(x -> store.set(tenant, s.key(), s.value(), null, new CacheStore.Expiry(s.ttlMs(), null, false),
                    CacheStore.Condition.ALWAYS, false).onItemOrFailure().invoke((ok, e) -> {
                        if (e == null) {
                            s.emitter().complete(null);
                        } else {
                            s.emitter().fail(e);
                        }
                    }).onFailure().recoverWithNull().replaceWithVoid());
        }
        return chain.replaceWith((RowSet<Row>) null);
    }
}
