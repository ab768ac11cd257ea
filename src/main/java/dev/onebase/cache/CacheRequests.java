package dev.onebase.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.ws.rs.core.MultivaluedMap;

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

    /** The last instant an expiry may name: 9999-12-31T23:59:59.999Z, in Unix milliseconds. */
    public static final long LAST_EXPIRY_MS = 253_402_300_799_999L;

    private static final Pattern CANONICAL_INTEGER = Pattern.compile("0|-?[1-9][0-9]{0,18}");

    private CacheRequests() {
    }

    /** The key checks that need no plan: the GET route runs them before it knows the tenant. */
    /** How {@link CacheGetRoute#DOT_KEYS} hands the keys "." and ".." on: behind the reserved segment's name. */
    static final String DOT_MASK = RESERVED + "/";

    /** The key a cache route's path names: "." and ".." come masked (see CacheGetRoute), every other key as sent. */
    public static String pathKey(String key) {
        if (key != null && key.startsWith(DOT_MASK)) {
            String dots = key.substring(DOT_MASK.length());
            if (dots.equals(".") || dots.equals("..")) {
                return dots;
            }
        }
        return key;
    }

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

    public static void checkKey(String key, Plan limits) {
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxKeyBytes()) {
            throw ProblemException.tooLarge("The key is " + bytes + " bytes; the " + limits.id() + " plan allows "
                    + limits.maxKeyBytes());
        }
    }

    public static void checkValue(int bytes, Plan limits) {
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
        if (ex != null) {
            return relativeExpiry(milliseconds(ex));
        }
        if (px != null) {
            return relativeExpiry(px);
        }
        if (exat != null) {
            return absoluteExpiry(milliseconds(exat));
        }
        if (pxat != null) {
            return absoluteExpiry(pxat);
        }
        return keepTtl ? Expiry.KEEP : Expiry.NONE;
    }

    /** An expiry in ms from now: positive, and ending before {@link #LAST_EXPIRY_MS} (a timestamp holds no more). */
    public static Expiry relativeExpiry(long ms) {
        if (ms <= 0) {
            throw ProblemException.badRequest("The expiry must be a positive number");
        }
        if (ms > LAST_EXPIRY_MS - System.currentTimeMillis()) {
            throw ProblemException.badRequest("The expiry is out of range (it must end before the year 10000)");
        }
        return new Expiry(ms, null, false);
    }

    /** An expiry at a Unix time in ms: positive, and before {@link #LAST_EXPIRY_MS}. */
    public static Expiry absoluteExpiry(long unixMs) {
        if (unixMs <= 0) {
            throw ProblemException.badRequest("The expiry must be a positive number");
        }
        if (unixMs > LAST_EXPIRY_MS) {
            throw ProblemException.badRequest("The expiry is out of range (it must end before the year 10000)");
        }
        return new Expiry(null, unixMs, false);
    }

    /**
     * EXPIRE's TTL in milliseconds: exactly one of ex (seconds) or px (milliseconds). Zero or less is allowed (it
     * deletes the key); a TTL that ends after {@link #LAST_EXPIRY_MS} is refused.
     */
    static long expireTtlMs(String exText, String pxText) {
        Long ex = optionalLong(exText, "ex");
        Long px = optionalLong(pxText, "px");
        if ((ex == null) == (px == null)) {
            throw ProblemException.badRequest("Give exactly one of ex (seconds) or px (milliseconds)");
        }
        return expireTtlMs(ex != null ? milliseconds(ex) : px);
    }

    /** A TTL for EXPIRE: anything up to the last expiry; zero or less means "delete". */
    public static long expireTtlMs(long ms) {
        if (ms > 0) {
            relativeExpiry(ms);
        }
        return ms;
    }

    /** Seconds as milliseconds, refused when that overflows. */
    public static long milliseconds(long seconds) {
        try {
            return Math.multiplyExact(seconds, 1000L);
        } catch (ArithmeticException e) {
            throw ProblemException.badRequest("The expiry is out of range");
        }
    }

    /**
     * The query names only parameters the route knows, each once: an unknown one (a typo, or an option the route does
     * not have) or a repeated one is refused rather than ignored.
     */
    static void checkQuery(MultivaluedMap<String, String> query, String... known) {
        for (var e : query.entrySet()) {
            if (!List.of(known).contains(e.getKey())) {
                throw ProblemException.badRequest("Unknown parameter '" + e.getKey() + "'"
                        + (known.length == 0 ? "; this route takes none" : "; this route takes " + String.join(", ", known)));
            }
            if (e.getValue().size() > 1) {
                throw ProblemException.badRequest("The parameter '" + e.getKey() + "' is given more than once");
            }
        }
    }

    /** A boolean parameter: absent is false; true, 1, yes or a bare {@code ?name} are true; false, 0, no are false. */
    static boolean flag(String value, String name) {
        if (value == null) {
            return false;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "", "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw ProblemException.badRequest(name + " must be true or false (or 1/0, yes/no)");
        };
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
        if (item.ttlMs() != null && item.ttlMs() > LAST_EXPIRY_MS - System.currentTimeMillis()) {
            throw ProblemException.badRequest("entries[" + i + "].ttlMs is out of range (the expiry must end before the year 10000)");
        }
        try {
            byte[] bytes = item.value() != null ? item.value().getBytes(StandardCharsets.UTF_8) : Base64.getDecoder().decode(item.valueBase64());
            return new Entry(item.key(), bytes, item.ttlMs());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("entries[" + i + "].valueBase64 is not base64");
        }
    }

    private static Long optionalLong(String text, String name) {
        return text == null ? null : parseLong(text, name);
    }

    private static long parseLong(String text, String name) {
        Long n = strictLong(text);
        if (n == null) {
            throw ProblemException.badRequest(name + " must be an integer, written without sign '+', leading zeros or spaces");
        }
        return n;
    }

    /** An integer written as Redis writes it ('-' and digits, no '+', no leading zero, no "-0"), or null. */
    public static Long strictLong(String text) {
        if (text == null || !CANONICAL_INTEGER.matcher(text).matches()) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
