package dev.onebase.resp;

import static dev.onebase.resp.Command.Kind.READ;
import static dev.onebase.resp.Command.Kind.WRITE;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.cache.CacheBatcher;
import dev.onebase.cache.CacheRequests;
import dev.onebase.cache.CacheStore;
import dev.onebase.cache.CacheStore.Condition;
import dev.onebase.cache.CacheStore.Entry;
import dev.onebase.cache.CacheStore.Expiry;
import dev.onebase.tenant.Plan;
import dev.onebase.tenant.PlanCatalog;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/** The string commands, on the tenant's cache through {@link CacheStore}: the same entries the HTTP cache serves. */
@ApplicationScoped
class StringCommands {

    private static final CacheStore.SetResult PLAIN_SET = new CacheStore.SetResult(true, null);

    private final CacheStore store;
    private final CacheBatcher batcher;
    private final PlanCatalog plans;

    StringCommands(CacheStore store, CacheBatcher batcher, PlanCatalog plans) {
        this.store = store;
        this.batcher = batcher;
        this.plans = plans;
    }

    void register(RespCommands t) {
        t.add("get", 2, READ, c -> (c.inTransaction() ? c.store(store).get(c.tenant, c.key(1)) : batcher.get(c.tenant, c.key(1)))
                .map(v -> Reply.bulk(v.map(CacheStore.Value::bytes).orElse(null))));
        t.add("set", -3, WRITE, this::set);
        t.add("setnx", 3, WRITE, c -> write(c, 1, 2, Expiry.NONE, Condition.NX, false).map(r -> Reply.bool(r.written())));
        t.add("setex", 4, WRITE, c -> setWithTtl(c, true));
        t.add("psetex", 4, WRITE, c -> setWithTtl(c, false));
        t.add("getset", 3, WRITE, c -> write(c, 1, 2, Expiry.NONE, Condition.ALWAYS, true).map(r -> old(r)));
        t.add("getdel", 2, WRITE, c -> c.store(store).getDel(c.tenant, c.key(1)).map(v -> Reply.bulk(v.map(CacheStore.Value::bytes).orElse(null))));
        t.add("getex", -2, WRITE, this::getex);
        t.add("mget", -2, READ, c -> c.store(store).mget(c.tenant, c.keys(1)).map(values -> Reply.array(values.stream()
                .map(v -> Reply.bulk(v == null ? null : v.bytes())).toList())));
        t.add("mset", -3, WRITE, c -> limits(c).flatMap(limits -> c.store(store).mset(c.tenant, entries(c, limits))).replaceWith(Reply.OK));
        t.add("msetnx", -3, WRITE, c -> limits(c).flatMap(limits -> c.store(store).msetNx(c.tenant, entries(c, limits))).map(Reply::bool));
        t.add("incr", 2, WRITE, c -> incr(c, 1));
        t.add("decr", 2, WRITE, c -> incr(c, -1));
        t.add("incrby", 3, WRITE, c -> incr(c, c.integer(2)));
        t.add("decrby", 3, WRITE, c -> {
            long by = c.integer(2);
            if (by == Long.MIN_VALUE) {
                throw RespError.err("decrement would overflow");
            }
            return incr(c, -by);
        });
        t.add("incrbyfloat", 3, WRITE, this::incrByFloat);
        t.add("append", 3, WRITE, c -> limits(c).flatMap(limits -> {
            checkKey(c.key(1), limits);
            return c.store(store).append(c.tenant, c.key(1), c.bytes(2), limits.maxValueBytes());
        }).map(n -> Reply.integer(n.orElseThrow(StringCommands::tooLarge))));
        t.add("strlen", 2, READ, c -> c.store(store).strlen(c.tenant, c.key(1)).map(Reply::integer));
        t.add("getrange", 4, READ, this::getrange);
        t.add("substr", 4, READ, this::getrange);
        t.add("setrange", 4, WRITE, this::setrange);
    }

    /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]. */
    private Uni<Reply> set(Call c) {
        Condition condition = Condition.ALWAYS;
        boolean get = false;
        Expiry expiry = null;
        for (int i = 3; i < c.size(); i++) {
            String option = c.option(i);
            switch (option) {
                case "NX", "XX" -> {
                    if (condition != Condition.ALWAYS) {
                        throw RespError.syntax();
                    }
                    condition = option.equals("NX") ? Condition.NX : Condition.XX;
                }
                case "GET" -> get = true;
                case "KEEPTTL" -> {
                    if (expiry != null) {
                        throw RespError.syntax();
                    }
                    expiry = Expiry.KEEP;
                }
                case "EX", "PX", "EXAT", "PXAT" -> {
                    if (expiry != null || i + 1 >= c.size()) {
                        throw RespError.syntax();
                    }
                    expiry = expiry(c, option, ++i);
                }
                default -> throw RespError.syntax();
            }
        }
        boolean returnOld = get;
        return write(c, 1, 2, expiry == null ? Expiry.NONE : expiry, condition, get)
                .map(r -> returnOld ? old(r) : r.written() ? Reply.OK : Reply.NULL);
    }

    /** An expiry option's value: EX/PX relative, EXAT/PXAT absolute, in seconds or ms; zero, negative or too far is refused. */
    static Expiry expiry(Call c, String option, int i) {
        long n = c.integer(i);
        try {
            return switch (option) {
                case "EX" -> CacheRequests.relativeExpiry(CacheRequests.milliseconds(n));
                case "PX" -> CacheRequests.relativeExpiry(n);
                case "EXAT" -> CacheRequests.absoluteExpiry(CacheRequests.milliseconds(n));
                default -> CacheRequests.absoluteExpiry(n);
            };
        } catch (ProblemException e) {
            throw RespError.invalidExpire(c.name());
        }
    }

    private Uni<Reply> setWithTtl(Call c, boolean seconds) {
        Expiry expiry = expiry(c, seconds ? "EX" : "PX", 2);
        return write(c, 1, 3, expiry, Condition.ALWAYS, false).replaceWith(Reply.OK);
    }

    private Uni<CacheStore.SetResult> write(Call c, int keyAt, int valueAt, Expiry expiry, Condition condition, boolean returnOld) {
        String key = c.key(keyAt);
        byte[] value = c.bytes(valueAt);
        return limits(c).flatMap(limits -> {
            checkKey(key, limits);
            checkValue(value.length, limits);
            if (condition == Condition.ALWAYS && !returnOld && !expiry.keep() && expiry.absoluteMs() == null && !c.inTransaction()) {
                return batcher.set(c.tenant, key, value, expiry.relativeMs()).replaceWith(PLAIN_SET);
            }
            return c.store(store).set(c.tenant, key, value, null, expiry, condition, returnOld);
        });
    }

    private static Reply old(CacheStore.SetResult r) {
        return Reply.bulk(r.old() == null ? null : r.old().bytes());
    }

    /** GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]. */
    private Uni<Reply> getex(Call c) {
        Expiry expiry = Expiry.NONE;
        boolean persist = false;
        for (int i = 2; i < c.size(); i++) {
            String option = c.option(i);
            if (expiry != Expiry.NONE || persist) {
                throw RespError.syntax();
            }
            switch (option) {
                case "PERSIST" -> persist = true;
                case "EX", "PX", "EXAT", "PXAT" -> {
                    if (i + 1 >= c.size()) {
                        throw RespError.syntax();
                    }
                    expiry = expiry(c, option, ++i);
                }
                default -> throw RespError.syntax();
            }
        }
        if (expiry == Expiry.NONE && !persist) {
            return c.store(store).get(c.tenant, c.key(1)).map(v -> Reply.bulk(v.map(CacheStore.Value::bytes).orElse(null)));
        }
        return c.store(store).getEx(c.tenant, c.key(1), expiry, persist).map(v -> Reply.bulk(v.map(CacheStore.Value::bytes).orElse(null)));
    }

    /** MSET's pairs, a later one of the same key replacing an earlier one, as Redis does. */
    private static List<Entry> entries(Call c, Plan limits) {
        if (c.size() % 2 == 0) {
            throw RespError.wrongArity(c.name());
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (int i = 1; i < c.size(); i += 2) {
            String key = c.key(i);
            checkKey(key, limits);
            checkValue(c.bytes(i + 1).length, limits);
            entries.remove(key);
            entries.put(key, new Entry(key, c.bytes(i + 1), null));
        }
        return new ArrayList<>(entries.values());
    }

    private Uni<Reply> incr(Call c, long by) {
        return limits(c).flatMap(limits -> {
            checkKey(c.key(1), limits);
            return c.store(store).incrBy(c.tenant, c.key(1), by);
        }).map(Reply::integer).onFailure(ProblemException.class).transform(e -> ((ProblemException) e).status() == 409 && !(e instanceof CacheStore.WrongType)
                ? RespError.err("value is not an integer or out of range") : e);
    }

    private Uni<Reply> incrByFloat(Call c) {
        String by = c.text(2);
        if (!by.matches("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?") || by.length() > 5000) {
            throw RespError.err("value is not a valid float");
        }
        return limits(c).flatMap(limits -> {
            checkKey(c.key(1), limits);
            return c.store(store).incrByFloat(c.tenant, c.key(1), by);
        }).map(Reply::bulk).onFailure(ProblemException.class).transform(e -> ((ProblemException) e).status() == 409 && !(e instanceof CacheStore.WrongType)
                ? RespError.err("value is not a valid float") : e);
    }

    /** GETRANGE key start end: inclusive, negative counts from the end, as Redis. */
    private Uni<Reply> getrange(Call c) {
        long start = c.integer(2);
        long end = c.integer(3);
        return c.store(store).get(c.tenant, c.key(1)).map(v -> {
            byte[] bytes = v.map(CacheStore.Value::bytes).orElse(new byte[0]);
            return Reply.bulk(range(bytes, start, end));
        });
    }

    static byte[] range(byte[] bytes, long start, long end) {
        long len = bytes.length;
        if (start < 0 && end < 0 && start > end) {
            return new byte[0];
        }
        long s = start < 0 ? Math.max(0, len + start) : start;
        long e = end < 0 ? Math.max(0, len + end) : end;
        if (e >= len) {
            e = len - 1;
        }
        if (len == 0 || s > e) {
            return new byte[0];
        }
        return java.util.Arrays.copyOfRange(bytes, (int) s, (int) e + 1);
    }

    private Uni<Reply> setrange(Call c) {
        long offset = c.integer(2);
        byte[] part = c.bytes(3);
        if (offset < 0) {
            throw RespError.err("offset is out of range");
        }
        return limits(c).flatMap(limits -> {
            checkKey(c.key(1), limits);
            if (offset + part.length > limits.maxValueBytes()) {
                throw tooLarge();
            }
            return c.store(store).setRange(c.tenant, c.key(1), (int) offset, part, limits.maxValueBytes());
        }).map(n -> Reply.integer(n.orElseThrow(StringCommands::tooLarge)));
    }

    private Uni<Plan> limits(Call c) {
        return plans.limits(c.plan);
    }

    static void checkKey(String key, Plan limits) {
        CacheRequests.checkKey(key, limits);
    }

    static void checkValue(int bytes, Plan limits) {
        CacheRequests.checkValue(bytes, limits);
    }

    private static RespError tooLarge() {
        return RespError.err("string exceeds maximum allowed size (the plan's largest value)");
    }
}
