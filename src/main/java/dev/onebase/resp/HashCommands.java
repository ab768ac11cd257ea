package dev.onebase.resp;

import static dev.onebase.resp.Command.Kind.READ;
import static dev.onebase.resp.Command.Kind.WRITE;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.cache.CacheRequests;
import dev.onebase.cache.CacheStore;
import dev.onebase.tenant.Plan;
import dev.onebase.tenant.PlanCatalog;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * The hash commands, on hashes stored in the tenant's cache (one entry per hash, see V19): reads take the hash's
 * fields in one statement, writes change them in one transaction with the row locked. A hash command on a string is
 * WRONGTYPE, as is a string command on a hash; the last field deleted deletes the key, as in Redis.
 */
@ApplicationScoped
class HashCommands {

    private final CacheStore store;
    private final PlanCatalog plans;

    HashCommands(CacheStore store, PlanCatalog plans) {
        this.store = store;
        this.plans = plans;
    }

    void register(RespCommands t) {
        t.add("hset", -4, WRITE, c -> hset(c, false));
        t.add("hmset", -4, WRITE, c -> hset(c, true));
        t.add("hsetnx", 4, WRITE, c -> change(c, fields -> {
            String field = field(c, 2);
            if (fields.containsKey(field)) {
                return Reply.ZERO;
            }
            fields.put(field, c.bytes(3));
            return Reply.ONE;
        }));
        t.add("hdel", -3, WRITE, c -> {
            List<String> names = fields(c, 2);
            return change(c, fields -> {
                long removed = 0;
                for (String name : names) {
                    if (fields.remove(name) != null) {
                        removed++;
                    }
                }
                return Reply.integer(removed);
            });
        });
        t.add("hincrby", 4, WRITE, this::hincrby);
        t.add("hincrbyfloat", 4, WRITE, this::hincrbyfloat);
        t.add("hget", 3, READ, c -> {
            String field = field(c, 2);
            return read(c).map(h -> Reply.bulk(h.get(field)));
        });
        t.add("hmget", -3, READ, c -> {
            List<String> names = new ArrayList<>();
            for (int i = 2; i < c.size(); i++) {
                names.add(field(c, i));
            }
            return read(c).map(h -> Reply.array(names.stream().map(n -> Reply.bulk(h.get(n))).toList()));
        });
        t.add("hgetall", 2, READ, c -> read(c).map(h -> {
            List<Reply> items = new ArrayList<>();
            h.forEach((k, v) -> {
                items.add(Reply.bulk(k));
                items.add(Reply.bulk(v));
            });
            return Reply.map(items);
        }));
        t.add("hkeys", 2, READ, c -> read(c).map(h -> Reply.bulks(new ArrayList<>(h.keySet()))));
        t.add("hvals", 2, READ, c -> read(c).map(h -> Reply.array(h.values().stream().map(Reply::bulk).toList())));
        t.add("hlen", 2, READ, c -> read(c).map(h -> Reply.integer(h.size())));
        t.add("hexists", 3, READ, c -> {
            String field = field(c, 2);
            return read(c).map(h -> Reply.bool(h.containsKey(field)));
        });
        t.add("hstrlen", 3, READ, c -> {
            String field = field(c, 2);
            return read(c).map(h -> Reply.integer(h.containsKey(field) ? h.get(field).length : 0));
        });
        t.add("hscan", -3, READ, this::hscan);
    }

    /** HSET key field value [field value ...]: the number of fields added; HMSET: OK. */
    private Uni<Reply> hset(Call c, boolean ok) {
        if (c.size() % 2 != 0) {
            throw RespError.wrongArity(c.name());
        }
        Map<String, byte[]> given = new LinkedHashMap<>();
        for (int i = 2; i < c.size(); i += 2) {
            given.put(field(c, i), c.bytes(i + 1));
        }
        return change(c, fields -> {
            long added = 0;
            for (var e : given.entrySet()) {
                if (fields.put(e.getKey(), e.getValue()) == null) {
                    added++;
                }
            }
            return ok ? Reply.OK : Reply.integer(added);
        });
    }

    private Uni<Reply> hincrby(Call c) {
        String field = field(c, 2);
        long by = c.integer(3);
        return change(c, fields -> {
            long current = 0;
            byte[] old = fields.get(field);
            if (old != null) {
                Long n = old.length > 20 ? null : CacheRequests.strictLong(new String(old, StandardCharsets.UTF_8));
                if (n == null) {
                    throw RespError.err("hash value is not an integer");
                }
                current = n;
            }
            long next;
            try {
                next = Math.addExact(current, by);
            } catch (ArithmeticException e) {
                throw RespError.err("increment or decrement would overflow");
            }
            fields.put(field, Long.toString(next).getBytes(StandardCharsets.UTF_8));
            return Reply.integer(next);
        });
    }

    private Uni<Reply> hincrbyfloat(Call c) {
        String field = field(c, 2);
        if (StringCommands.infinite(c.text(3))) {
            throw RespError.err("value is NaN or Infinity");
        }
        BigDecimal by = decimal(c.text(3));
        if (by == null) {
            throw RespError.err("value is not a valid float");
        }
        return change(c, fields -> {
            BigDecimal current = BigDecimal.ZERO;
            byte[] old = fields.get(field);
            if (old != null) {
                current = decimal(new String(old, StandardCharsets.UTF_8));
                if (current == null) {
                    throw RespError.err("hash value is not a float");
                }
            }
            BigDecimal next = current.add(by);
            String text = next.signum() == 0 ? "0" : next.stripTrailingZeros().toPlainString();
            fields.put(field, text.getBytes(StandardCharsets.UTF_8));
            return Reply.bulk(text);
        });
    }

    /** A decimal as Redis reads a float argument (no spaces, no inf/nan here), or null. */
    private static BigDecimal decimal(String text) {
        if (text.length() > 5000 || !text.matches("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
            return null;
        }
        return new BigDecimal(text);
    }

    /** HSCAN key cursor [MATCH pattern] [COUNT n] [NOVALUES]: the whole hash in one page (cursor 0), as Redis does for small hashes. */
    private Uni<Reply> hscan(Call c) {
        String cursor = c.text(2);
        try {
            Long.parseUnsignedLong(cursor);
        } catch (NumberFormatException e) {
            throw RespError.err("invalid cursor");
        }
        String match = null;
        boolean values = true;
        for (int i = 3; i < c.size(); i++) {
            String option = c.option(i);
            if (option.equals("NOVALUES")) {
                values = false;
            } else if (option.equals("MATCH") && i + 1 < c.size()) {
                match = c.text(++i);
            } else if (option.equals("COUNT") && i + 1 < c.size()) {
                if (c.integer(++i) < 1) {
                    throw RespError.syntax();
                }
            } else {
                throw RespError.syntax();
            }
        }
        String pattern = match;
        boolean withValues = values;
        return read(c).map(h -> {
            List<Reply> items = new ArrayList<>();
            if (!cursor.equals("0")) {
                return Reply.array(List.of(Reply.bulk("0"), Reply.array(items)));
            }
            h.forEach((k, v) -> {
                if (pattern == null || RespGlob.matches(pattern, k)) {
                    items.add(Reply.bulk(k));
                    if (withValues) {
                        items.add(Reply.bulk(v));
                    }
                }
            });
            return Reply.array(List.of(Reply.bulk("0"), Reply.array(items)));
        });
    }

    /** The hash's fields; empty for a missing key. */
    private Uni<Map<String, byte[]>> read(Call c) {
        return c.store(store).hash(c.tenant, c.key(1)).map(h -> h == null ? Map.<String, byte[]>of() : h);
    }

    private Uni<Reply> change(Call c, CacheStore.HashChange<Reply> change) {
        String key = c.key(1);
        return plans.limits(c.plan).flatMap(limits -> {
            check(key, limits);
            return c.store(store).changeHash(c.tenant, key, limits.maxValueBytes(), change);
        }).onFailure(ProblemException.class).transform(e -> ((ProblemException) e).status() == 413
                ? RespError.err("hash exceeds maximum allowed size (the plan's largest value): " + e.getMessage()) : e);
    }

    private static void check(String key, Plan limits) {
        CacheRequests.checkKey(key, limits);
    }

    /** A field name: UTF-8 text without NUL, like a key. */
    private static String field(Call c, int i) {
        try {
            return c.key(i);
        } catch (RespError e) {
            throw RespError.err(e.getMessage().replace("ERR onebase keys", "onebase hash fields").replace("this key", "this field"));
        }
    }

    private static List<String> fields(Call c, int from) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (int i = from; i < c.size(); i++) {
            names.add(field(c, i));
        }
        return new ArrayList<>(names);
    }
}
