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
        t.add("mget", -2, READ, c -> (c.inTransaction() ? c.store(store).mget(c.tenant, c.keys(1)) : batcher.mget(c.tenant, c.keys(1)))
                .map(values -> Reply.array(values.stream().map(v -> Reply.bulk(v == null ? null : v.bytes())).toList())));
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

    /** GET outside a transaction with a callback (RespCommands#runNow): the batcher's GET, no Uni. */
    void getNow(java.util.UUID tenant, String key, java.util.function.Consumer<Reply> answer) {
        batcher.get(tenant, key, (value, failure) -> answer.accept(failure != null ? RespErrors.reply(failure)
                : Reply.bulk(value == null ? null : value.bytes())));
    }

    /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]. */
    private Uni<Reply> set(Call c) {
        Options o = Options.parse(c, 3, false);
        Expiry expiry = o.expiry(c);
        Condition condition = o.nx ? Condition.NX : o.xx ? Condition.XX : Condition.ALWAYS;
        boolean returnOld = o.get;
        return write(c, 1, 2, expiry, condition, returnOld)
                .map(r -> returnOld ? old(r) : r.written() ? Reply.OK : Reply.NULL);
    }

    /**
     * The options of SET (from word 3) and GETEX (from word 2), read as Redis's parseExtendedStringArgumentsOrReply
     * reads them: an option may be repeated (the last expiry given counts), but NX with XX, two different expiry
     * options, or an expiry with KEEPTTL/PERSIST are a syntax error; every word is read before the expiry's number
     * is, so a syntax error anywhere wins over a bad number.
     */
    static final class Options {
        boolean nx;
        boolean xx;
        boolean get;
        boolean keepTtl;
        boolean persist;
        /** EX, PX, EXAT or PXAT, and the index of its number; null when none was given. */
        String unit;
        int valueAt;

        static Options parse(Call c, int from, boolean getex) {
            Options o = new Options();
            for (int i = from; i < c.size(); i++) {
                String option = c.option(i);
                boolean more = i + 1 < c.size();
                switch (option) {
                    case "NX" -> {
                        if (o.xx || getex) {
                            throw RespError.syntax();
                        }
                        o.nx = true;
                    }
                    case "XX" -> {
                        if (o.nx || getex) {
                            throw RespError.syntax();
                        }
                        o.xx = true;
                    }
                    case "GET" -> {
                        if (getex) {
                            throw RespError.syntax();
                        }
                        o.get = true;
                    }
                    case "KEEPTTL" -> {
                        if (getex || o.persist || o.unit != null) {
                            throw RespError.syntax();
                        }
                        o.keepTtl = true;
                    }
                    case "PERSIST" -> {
                        if (!getex || o.keepTtl || o.unit != null) {
                            throw RespError.syntax();
                        }
                        o.persist = true;
                    }
                    case "EX", "PX", "EXAT", "PXAT" -> {
                        if (o.keepTtl || o.persist || (o.unit != null && !o.unit.equals(option)) || !more) {
                            throw RespError.syntax();
                        }
                        o.unit = option;
                        o.valueAt = ++i;
                    }
                    default -> throw RespError.syntax();
                }
            }
            return o;
        }

        /** The expiry asked for: NONE, KEEP, or the checked number of the last EX/PX/EXAT/PXAT. */
        Expiry expiry(Call c) {
            if (unit != null) {
                return StringCommands.expiry(c, unit, valueAt);
            }
            return keepTtl ? Expiry.KEEP : Expiry.NONE;
        }
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
                return batcher.set(c.client, c.tenant, key, value, expiry.relativeMs()).replaceWith(PLAIN_SET);
            }
            return c.store(store).set(c.tenant, key, value, null, expiry, condition, returnOld);
        });
    }

    private static Reply old(CacheStore.SetResult r) {
        return Reply.bulk(r.old() == null ? null : r.old().bytes());
    }

    /** GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]. */
    private Uni<Reply> getex(Call c) {
        Options o = Options.parse(c, 2, true);
        Expiry expiry = o.expiry(c);
        if (expiry == Expiry.NONE && !o.persist) {
            return c.store(store).get(c.tenant, c.key(1)).map(v -> Reply.bulk(v.map(CacheStore.Value::bytes).orElse(null)));
        }
        return c.store(store).getEx(c.tenant, c.key(1), expiry, o.persist).map(v -> Reply.bulk(v.map(CacheStore.Value::bytes).orElse(null)));
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
            return c.inTransaction() ? c.inTransaction.incrBy(c.tenant, c.key(1), by) : batcher.incr(c.client, c.tenant, c.key(1), by);
        }).map(Reply::integer).onFailure(StringCommands::notANumber).recoverWithUni(e -> whyNotIncremented(c, e));
    }

    /** The cache refuses an INCR whose value is not an integer and one that would overflow alike (409). */
    private static boolean notANumber(Throwable e) {
        return e instanceof ProblemException p && p.status() == 409 && !(e instanceof CacheStore.WrongType);
    }

    /**
     * Redis tells the two apart: a value that is an integer failed because the result would overflow. Outside a
     * transaction the value is read again to say which; inside one (whose statement just failed) the common text.
     */
    private Uni<Reply> whyNotIncremented(Call c, Throwable e) {
        Reply notInteger = Reply.error("ERR value is not an integer or out of range");
        if (c.inTransaction()) {
            // a failure, not an answer: EXEC rolls the failed statement back to its savepoint
            return Uni.createFrom().failure(RespError.notInteger());
        }
        return store.get(c.tenant, c.key(1)).map(v -> {
            byte[] bytes = v.map(CacheStore.Value::bytes).orElse(null);
            boolean integer = bytes != null && bytes.length <= 20
                    && CacheRequests.strictLong(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)) != null;
            return integer ? Reply.error("ERR increment or decrement would overflow") : notInteger;
        });
    }

    /** Infinity as Redis's strtold reads it (inf, infinity, either sign, any case); NaN is not a valid float. */
    static boolean infinite(String text) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        if (t.startsWith("+") || t.startsWith("-")) {
            t = t.substring(1);
        }
        return t.equals("inf") || t.equals("infinity");
    }

    private Uni<Reply> incrByFloat(Call c) {
        String by = c.text(2);
        if (infinite(by)) {
            // as incrbyfloatCommand: the key's type, then its value, then the sum (which an infinity makes infinite)
            return c.store(store).get(c.tenant, c.key(1)).map(v -> {
                String old = v.map(x -> new String(x.bytes(), java.nio.charset.StandardCharsets.UTF_8)).orElse("0");
                boolean validOld = old.matches("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?") && old.length() <= 5000;
                return Reply.error(validOld ? "ERR increment would produce NaN or Infinity" : "ERR value is not a valid float");
            });
        }
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
            if (part.length > 0 && offset > limits.maxValueBytes() - (long) part.length) {
                throw tooLarge();
            }
            // with nothing to write the offset changes nothing (the answer is the length): it is not handed on
            return c.store(store).setRange(c.tenant, c.key(1), part.length == 0 ? 0 : (int) offset, part, limits.maxValueBytes());
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
