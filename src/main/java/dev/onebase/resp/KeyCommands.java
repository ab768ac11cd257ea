package dev.onebase.resp;

import static dev.onebase.resp.Command.Kind.READ;
import static dev.onebase.resp.Command.Kind.WRITE;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.cache.CacheRequests;
import dev.onebase.cache.CacheStore;
import dev.onebase.tenant.PlanCatalog;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/** The keyspace commands (DEL ... FLUSHALL) on the tenant's cache; FLUSHDB and FLUSHALL empty the tenant's keys only. */
@ApplicationScoped
class KeyCommands {

    private static final int SCAN_MAX_COUNT = 10_000;

    private final CacheStore store;
    private final PlanCatalog plans;

    KeyCommands(CacheStore store, PlanCatalog plans) {
        this.store = store;
        this.plans = plans;
    }

    void register(RespCommands t) {
        t.add("del", -2, WRITE, c -> c.store(store).delete(c.tenant, c.keys(1)).map(Reply::integer));
        t.add("unlink", -2, WRITE, c -> c.store(store).delete(c.tenant, c.keys(1)).map(Reply::integer));
        t.add("exists", -2, READ, c -> c.store(store).exists(c.tenant, c.keys(1)).map(Reply::integer));
        t.add("expire", -3, WRITE, c -> expire(c, 1000, false));
        t.add("pexpire", -3, WRITE, c -> expire(c, 1, false));
        t.add("expireat", -3, WRITE, c -> expire(c, 1000, true));
        t.add("pexpireat", -3, WRITE, c -> expire(c, 1, true));
        t.add("ttl", 2, READ, c -> c.store(store).pttl(c.tenant, c.key(1)).map(ms -> Reply.integer(ms < 0 ? ms : (ms + 500) / 1000)));
        t.add("pttl", 2, READ, c -> c.store(store).pttl(c.tenant, c.key(1)).map(Reply::integer));
        t.add("expiretime", 2, READ, c -> c.store(store).expiresAt(c.tenant, c.key(1)).map(ms -> Reply.integer(ms < 0 ? ms : ms / 1000)));
        t.add("pexpiretime", 2, READ, c -> c.store(store).expiresAt(c.tenant, c.key(1)).map(Reply::integer));
        t.add("persist", 2, WRITE, c -> c.store(store).persist(c.tenant, c.key(1)).map(Reply::bool));
        t.add("type", 2, READ, c -> c.store(store).type(c.tenant, c.key(1)).map(Reply::simple));
        t.add("scan", -2, READ, this::scan);
        t.add("keys", 2, READ, c -> {
            String pattern = c.text(1);
            return c.store(store).allKeys(c.tenant).map(keys -> Reply.bulks(keys.stream().filter(k -> RespGlob.matches(pattern, k)).toList()));
        });
        t.add("rename", 3, WRITE, c -> rename(c, false));
        t.add("renamenx", 3, WRITE, c -> rename(c, true));
        t.add("copy", -3, WRITE, this::copy);
        t.add("flushdb", -1, WRITE, this::flush);
        t.add("flushall", -1, WRITE, this::flush);
    }

    /**
     * EXPIRE key n [NX|XX|GT|LT ...], in seconds or ms (unit), relative or at a Unix time (at), read as Redis's
     * expireGenericCommand reads it: every option first (a repeated one is fine, an unknown one is refused), then
     * their conflicts (NX with any other; GT with LT; XX goes with GT or LT), then the number.
     */
    private Uni<Reply> expire(Call c, long unit, boolean at) {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (int i = 3; i < c.size(); i++) {
            switch (c.option(i)) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GT" -> gt = true;
                case "LT" -> lt = true;
                default -> throw RespError.err("Unsupported option " + c.text(i));
            }
        }
        if (nx && (xx || gt || lt)) {
            throw RespError.err("NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) {
            throw RespError.err("GT and LT options at the same time are not compatible");
        }
        // GT already needs an expiry (no expiry counts as infinite): XX adds nothing to it; XX with LT does
        String mode = nx ? "nx" : gt ? "gt" : lt ? (xx ? "xx-lt" : "lt") : xx ? "xx" : null;
        long n = c.integer(2);
        long ms;
        try {
            ms = unit == 1 ? n : CacheRequests.milliseconds(n);
            if (at) {
                if (ms > CacheRequests.LAST_EXPIRY_MS) {
                    throw RespError.invalidExpire(c.name());
                }
            } else {
                CacheRequests.expireTtlMs(ms);
            }
        } catch (ProblemException e) {
            throw RespError.invalidExpire(c.name());
        }
        String key = c.key(1);
        if ("xx-lt".equals(mode)) {
            // one transaction: WATCH's versions lock the row, so the expiry read is the one LT compares with
            return c.inTransaction() ? expireXxLt(c.inTransaction, c, key, ms, at)
                    : store.inTransaction(c.tenant, tx -> expireXxLt(tx, c, key, ms, at));
        }
        return (at ? c.store(store).expireAt(c.tenant, key, ms, mode) : c.store(store).expire(c.tenant, key, ms, mode)).map(Reply::bool);
    }

    /** EXPIRE ... XX LT: only a key with an expiry, and only to an earlier one (LT alone also sets one where there is none). */
    private static Uni<Reply> expireXxLt(CacheStore tx, Call c, String key, long ms, boolean at) {
        return tx.versions(c.tenant, List.of(key)).flatMap(locked -> tx.pttl(c.tenant, key)).flatMap(pttl -> {
            if (pttl < 0) {
                return Uni.createFrom().item(Reply.ZERO);
            }
            return (at ? tx.expireAt(c.tenant, key, ms, "lt") : tx.expire(c.tenant, key, ms, "lt")).map(Reply::bool);
        });
    }

    /**
     * SCAN cursor [MATCH pattern] [COUNT n] [TYPE t]: the cursor is a position in the order of the keys' 64-bit hashes
     * (unsigned, 0 to start and at the end); COUNT is how many keys a page looks at, MATCH and TYPE filter those.
     */
    private Uni<Reply> scan(Call c) {
        String cursorText = c.text(1);
        long cursor;
        try {
            cursor = Long.parseUnsignedLong(cursorText);
        } catch (NumberFormatException e) {
            throw RespError.err("invalid cursor");
        }
        String match = null;
        String type = null;
        long count = 10;
        for (int i = 2; i < c.size(); i++) {
            String option = c.option(i);
            if (i + 1 >= c.size()) {
                throw RespError.syntax();
            }
            switch (option) {
                case "MATCH" -> match = c.text(++i);
                case "COUNT" -> {
                    count = c.integer(++i);
                    if (count < 1) {
                        throw RespError.syntax();
                    }
                }
                case "TYPE" -> type = c.text(++i).toLowerCase();
                default -> throw RespError.syntax();
            }
        }
        String pattern = match;
        String wanted = type;
        long from = cursor ^ Long.MIN_VALUE;
        return c.store(store).scanByHash(c.tenant, from, (int) Math.min(count, SCAN_MAX_COUNT)).map(page -> {
            List<String> keys = page.keys().stream()
                    .filter(k -> wanted == null || wanted.equals(page.hashes().contains(k) ? "hash" : "string"))
                    .filter(k -> pattern == null || RespGlob.matches(pattern, k)).toList();
            String next = page.next() == null ? "0" : Long.toUnsignedString(page.next() ^ Long.MIN_VALUE);
            return Reply.array(List.of(Reply.bulk(next), Reply.bulks(keys)));
        });
    }

    private Uni<Reply> rename(Call c, boolean onlyIfAbsent) {
        String from = c.key(1);
        String to = c.key(2);
        if (from.equals(to)) {
            return c.store(store).exists(c.tenant, List.of(from)).map(n -> {
                if (n == 0) {
                    throw RespError.err("no such key");
                }
                return onlyIfAbsent ? Reply.ZERO : Reply.OK;
            });
        }
        return plans.limits(c.plan).flatMap(limits -> {
            CacheRequests.checkKey(to, limits);
            return c.store(store).rename(c.tenant, from, to, onlyIfAbsent);
        }).map(result -> switch (result) {
            case NO_SOURCE -> throw RespError.err("no such key");
            case TARGET_EXISTS -> Reply.ZERO;
            case MOVED -> onlyIfAbsent ? Reply.ONE : Reply.OK;
        });
    }

    /** COPY source destination [DB 0] [REPLACE]. */
    private Uni<Reply> copy(Call c) {
        boolean replace = false;
        for (int i = 3; i < c.size(); i++) {
            String option = c.option(i);
            if (option.equals("REPLACE")) {
                replace = true;
            } else if (option.equals("DB") && i + 1 < c.size()) {
                if (c.integer(++i) != 0) {
                    throw RespError.err("DB index is out of range");
                }
            } else {
                throw RespError.syntax();
            }
        }
        String from = c.key(1);
        String to = c.key(2);
        if (from.equals(to)) {
            throw RespError.err("source and destination objects are the same");
        }
        boolean overwrite = replace;
        return plans.limits(c.plan).flatMap(limits -> {
            CacheRequests.checkKey(to, limits);
            return c.store(store).copy(c.tenant, from, to, overwrite);
        }).map(Reply::bool);
    }

    private Uni<Reply> flush(Call c) {
        if (c.size() > 2 || (c.size() == 2 && !List.of("ASYNC", "SYNC").contains(c.option(1)))) {
            throw RespError.syntax();
        }
        return c.store(store).flush(c.tenant).replaceWith(Reply.OK);
    }
}
