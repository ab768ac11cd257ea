package dev.onebase.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.onebase.cache.CacheRecords.Item;
import dev.onebase.cache.CacheRecords.Items;
import dev.onebase.cache.CacheRecords.Keys;
import dev.onebase.cache.CacheStore.Condition;
import dev.onebase.cache.CacheStore.Entry;
import dev.onebase.cache.CacheStore.Expiry;
import dev.onebase.tenant.Plan;
import dev.onebase.web.ProblemException;

/**
 * What a cache request may ask for: keys (one URL path segment, never {@value #RESERVED}), expiries, SET conditions,
 * counter steps and batch bodies. Anything malformed is a 400 problem; over a plan's sizes, 413.
 */
public final class CacheRequests {

    /** The path segment of the batch routes, so never a key. */
    public static final String RESERVED = "_batch";

    private static final long HUNDRED_YEARS_IN_SECONDS = 100L * 365 * 24 * 3600;

    private CacheRequests() {
    }

    /** The key checks that need no plan: the GET route runs them before it knows the tenant. */
    public static void checkKeyShape(String key) {
        if (key.isEmpty()) {
            throw ProblemException.badRequest("The key must not be empty");
        }
        if (key.indexOf('\0') >= 0) {
            throw ProblemException.badRequest("The key must not contain NUL");
        }
        if (key.equals(RESERVED)) {
            throw ProblemException.badRequest("'" + RESERVED + "' is reserved for the batch routes");
        }
    }

    static void checkKey(String key, Plan limits) {
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxKeyBytes()) {
            throw ProblemException.tooLarge("The key is " + bytes + " bytes; the " + limits.id() + " plan allows "
                    + limits.maxKeyBytes());
        }
    }

    static void checkValue(int bytes, Plan limits) {
        if (bytes > limits.maxValueBytes()) {
            throw ProblemException.tooLarge("The value is " + bytes + " bytes; the " + limits.id() + " plan allows "
                    + limits.maxValueBytes());
        }
    }

    static void checkContentType(String contentType) {
        if (contentType != null && contentType.length() > 200) {
            throw ProblemException.badRequest("Content-Type is limited to 200 characters");
        }
    }

    /** SET's expiry: at most one of ex (seconds), px (ms), exat (Unix seconds), pxat (Unix ms) or keepttl. */
    static Expiry expiry(String ex, String px, String exat, String pxat, boolean keepTtl) {
        return expiry(optionalLong(ex, "ex"), optionalLong(px, "px"), optionalLong(exat, "exat"), optionalLong(pxat, "pxat"), keepTtl);
    }

    private static Expiry expiry(Long ex, Long px, Long exat, Long pxat, boolean keepTtl) {
        int given = (ex != null ? 1 : 0) + (px != null ? 1 : 0) + (exat != null ? 1 : 0) + (pxat != null ? 1 : 0);
        if (given > 1 || (given == 1 && keepTtl)) {
            throw ProblemException.badRequest("Give at most one of ex, px, exat, pxat, keepttl");
        }
        Long value = ex != null ? ex : px != null ? px : exat != null ? exat : pxat;
        if (value != null && value <= 0) {
            throw ProblemException.badRequest("The expiry must be a positive number");
        }
        if (ex != null) {
            return new Expiry(milliseconds(ex), null, false);
        }
        if (px != null) {
            return new Expiry(px, null, false);
        }
        if (exat != null) {
            return new Expiry(null, milliseconds(exat), false);
        }
        if (pxat != null) {
            return new Expiry(null, pxat, false);
        }
        return keepTtl ? Expiry.KEEP : Expiry.NONE;
    }

    /** EXPIRE's TTL in milliseconds: exactly one of ex (seconds) or px (milliseconds); zero or less is allowed. */
    static long expireTtlMs(String exText, String pxText) {
        Long ex = optionalLong(exText, "ex");
        Long px = optionalLong(pxText, "px");
        if ((ex == null) == (px == null)) {
            throw ProblemException.badRequest("Give exactly one of ex (seconds) or px (milliseconds)");
        }
        return ex != null ? milliseconds(ex) : px;
    }

    /** SET's nx (only if missing) or xx (only if present), not both. */
    static Condition condition(boolean nx, boolean xx) {
        if (nx && xx) {
            throw ProblemException.badRequest("nx and xx cannot be combined");
        }
        return nx ? Condition.NX : xx ? Condition.XX : Condition.ALWAYS;
    }

    /** INCRBY's step. */
    static long increment(String by) {
        return parseLong(by, "by");
    }

    /** DECRBY's step, negated; the one step that has no negation is refused. */
    static long decrement(String by) {
        long n = parseLong(by, "by");
        if (n == Long.MIN_VALUE) {
            throw ProblemException.badRequest("by is out of range");
        }
        return -n;
    }

    static void checkScanPrefix(String prefix) {
        if (prefix.indexOf('\0') >= 0) {
            throw ProblemException.badRequest("prefix must not contain NUL");
        }
    }

    /** The keys of MGET, DEL and EXISTS, as given (duplicates included). */
    static List<String> keys(Keys body, int maxKeys) {
        if (body == null || body.keys() == null || body.keys().isEmpty()) {
            throw ProblemException.badRequest("keys must be a non-empty array");
        }
        if (body.keys().size() > maxKeys) {
            throw ProblemException.badRequest("At most " + maxKeys + " keys per call");
        }
        for (String k : body.keys()) {
            if (k == null) {
                throw ProblemException.badRequest("keys must not contain null");
            }
            checkKeyShape(k);
        }
        return body.keys();
    }

    /** The entries of MSET with distinct keys: a later entry for a key replaces an earlier one. */
    static List<Entry> entries(Items body, int maxKeys) {
        if (body == null || body.entries() == null || body.entries().isEmpty()) {
            throw ProblemException.badRequest("entries must be a non-empty array");
        }
        if (body.entries().size() > maxKeys) {
            throw ProblemException.badRequest("At most " + maxKeys + " entries per call");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (int i = 0; i < body.entries().size(); i++) {
            Entry entry = entry(i, body.entries().get(i));
            entries.remove(entry.key());
            entries.put(entry.key(), entry);
        }
        return new ArrayList<>(entries.values());
    }

    private static Entry entry(int i, Item item) {
        if (item == null || item.key() == null) {
            throw ProblemException.badRequest("entries[" + i + "].key is required");
        }
        checkKeyShape(item.key());
        if ((item.value() == null) == (item.valueBase64() == null)) {
            throw ProblemException.badRequest("entries[" + i + "] needs exactly one of value or valueBase64");
        }
        if (item.ttlMs() != null && item.ttlMs() <= 0) {
            throw ProblemException.badRequest("entries[" + i + "].ttlMs must be positive");
        }
        try {
            byte[] bytes = item.value() != null ? item.value().getBytes(StandardCharsets.UTF_8) : Base64.getDecoder().decode(item.valueBase64());
            return new Entry(item.key(), bytes, item.ttlMs());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("entries[" + i + "].valueBase64 is not base64");
        }
    }

    private static long milliseconds(long seconds) {
        if (seconds > HUNDRED_YEARS_IN_SECONDS || seconds < -HUNDRED_YEARS_IN_SECONDS) {
            throw ProblemException.badRequest("The expiry is out of range");
        }
        return seconds * 1000;
    }

    private static Long optionalLong(String text, String name) {
        return text == null || text.isEmpty() ? null : parseLong(text, name);
    }

    private static long parseLong(String text, String name) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest(name + " must be an integer");
        }
    }
}
