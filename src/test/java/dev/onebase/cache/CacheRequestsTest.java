package dev.onebase.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import dev.onebase.cache.CacheRecords.Item;
import dev.onebase.cache.CacheRecords.Items;
import dev.onebase.cache.CacheRecords.Keys;
import dev.onebase.cache.CacheStore.Condition;
import dev.onebase.cache.CacheStore.Entry;
import dev.onebase.cache.CacheStore.Expiry;
import dev.onebase.tenant.Plan;
import dev.onebase.web.ProblemException;

/** Plain unit tests of the cache's request parsing: what it accepts, and the status and detail of every refusal. */
class CacheRequestsTest {

    static final Plan FREE = new Plan("free", 0, 0, 10_000, 4, 8, 60);

    static void refused(int status, String detail, Executable call) {
        ProblemException e = assertThrows(ProblemException.class, call);
        assertEquals(status, e.status());
        assertEquals(detail, e.getMessage());
    }

    @Test
    void keys() {
        CacheRequests.checkKeyShape("a/b c");
        refused(400, "The key must not be empty", () -> CacheRequests.checkKeyShape(""));
        refused(400, "The key must not contain NUL", () -> CacheRequests.checkKeyShape("a\0b"));
        refused(400, "'_batch' is reserved for the batch routes", () -> CacheRequests.checkKeyShape("_batch"));
        CacheRequests.checkKey("abcd", FREE);
        refused(413, "The key is 6 bytes; the free plan allows 4", () -> CacheRequests.checkKey("äöü", FREE));
        CacheRequests.checkValue(8, FREE);
        refused(413, "The value is 9 bytes; the free plan allows 8", () -> CacheRequests.checkValue(9, FREE));
        CacheRequests.checkContentType("x".repeat(200));
        refused(400, "Content-Type is limited to 200 characters", () -> CacheRequests.checkContentType("x".repeat(201)));
    }

    @Test
    void setExpiries() {
        assertSame(Expiry.NONE, CacheRequests.expiry(null, null, null, null, false));
        refused(400, "px must be an integer, written without sign '+', leading zeros or spaces", () -> CacheRequests.expiry(null, "", null, null, false));
        assertSame(Expiry.KEEP, CacheRequests.expiry(null, null, null, null, true));
        assertEquals(new Expiry(60_000L, null, false), CacheRequests.expiry("60", null, null, null, false));
        assertEquals(new Expiry(1500L, null, false), CacheRequests.expiry(null, "1500", null, null, false));
        assertEquals(new Expiry(null, 2_000_000_000_000L, false), CacheRequests.expiry(null, null, "2000000000", null, false));
        assertEquals(new Expiry(null, 2_000_000_000_123L, false), CacheRequests.expiry(null, null, null, "2000000000123", false));
        refused(400, "Give at most one of ex, px, exat, pxat, keepttl", () -> CacheRequests.expiry("1", "1", null, null, false));
        refused(400, "Give at most one of ex, px, exat, pxat, keepttl", () -> CacheRequests.expiry(null, null, "1", null, true));
        refused(400, "The expiry must be a positive number", () -> CacheRequests.expiry("0", null, null, null, false));
        refused(400, "The expiry is out of range", () -> CacheRequests.expiry(String.valueOf(Long.MAX_VALUE / 10), null, null, null, false));
        refused(400, "px must be an integer, written without sign '+', leading zeros or spaces", () -> CacheRequests.expiry(null, "1.5", null, null, false));
    }

    @Test
    void expireTtls() {
        assertEquals(30_000L, CacheRequests.expireTtlMs("30", null));
        assertEquals(-5L, CacheRequests.expireTtlMs(null, "-5"));
        refused(400, "Give exactly one of ex (seconds) or px (milliseconds)", () -> CacheRequests.expireTtlMs(null, null));
        refused(400, "Give exactly one of ex (seconds) or px (milliseconds)", () -> CacheRequests.expireTtlMs("1", "1"));
        refused(400, "ex must be an integer, written without sign '+', leading zeros or spaces", () -> CacheRequests.expireTtlMs("soon", null));
    }

    @Test
    void conditionsAndCounterSteps() {
        assertEquals(Condition.ALWAYS, CacheRequests.condition(false, false));
        assertEquals(Condition.NX, CacheRequests.condition(true, false));
        assertEquals(Condition.XX, CacheRequests.condition(false, true));
        refused(400, "nx and xx cannot be combined", () -> CacheRequests.condition(true, true));
        assertEquals(5L, CacheRequests.increment("5"));
        assertEquals(-5L, CacheRequests.decrement("5"));
        assertEquals(-Long.MAX_VALUE, CacheRequests.decrement(String.valueOf(Long.MAX_VALUE)));
        refused(400, "by is out of range", () -> CacheRequests.decrement(String.valueOf(Long.MIN_VALUE)));
        refused(400, "by must be an integer, written without sign '+', leading zeros or spaces", () -> CacheRequests.increment("one"));
        refused(400, "prefix must not contain NUL", () -> CacheRequests.checkScanPrefix("a\0"));
    }

    @Test
    void batchKeys() {
        assertEquals(List.of("a", "a", "b"), CacheRequests.keys(new Keys(List.of("a", "a", "b")), 3));
        refused(400, "keys must be a non-empty array", () -> CacheRequests.keys(null, 3));
        refused(400, "keys must be a non-empty array", () -> CacheRequests.keys(new Keys(List.of()), 3));
        refused(400, "At most 2 keys per call", () -> CacheRequests.keys(new Keys(List.of("a", "b", "c")), 2));
        refused(400, "keys must not contain null", () -> CacheRequests.keys(new Keys(Arrays.asList("a", null)), 3));
        refused(400, "'_batch' is reserved for the batch routes", () -> CacheRequests.keys(new Keys(List.of("_batch")), 3));
    }

    @Test
    void batchEntriesKeepTheLastEntryOfAKey() {
        List<Entry> entries = CacheRequests.entries(new Items(List.of(new Item("a", "1", null, null), new Item("b", null, "AAEC", 60_000L),
                new Item("a", "2", null, null))), 3);
        assertEquals(List.of("b", "a"), entries.stream().map(Entry::key).toList());
        assertArrayEquals(new byte[] {0, 1, 2}, entries.get(0).value());
        assertEquals(60_000L, entries.get(0).ttlMs());
        assertArrayEquals("2".getBytes(), entries.get(1).value());
    }

    @Test
    void batchEntriesRefused() {
        refused(400, "entries must be a non-empty array", () -> CacheRequests.entries(new Items(null), 3));
        refused(400, "At most 1 entries per call", () -> CacheRequests.entries(new Items(List.of(new Item("a", "1", null, null),
                new Item("b", "1", null, null))), 1));
        refused(400, "entries[0].key is required", () -> CacheRequests.entries(new Items(List.of(new Item(null, "1", null, null))), 3));
        refused(400, "entries[0] needs exactly one of value or valueBase64",
                () -> CacheRequests.entries(new Items(List.of(new Item("a", "1", "AA==", null))), 3));
        refused(400, "entries[0].ttlMs must be positive", () -> CacheRequests.entries(new Items(List.of(new Item("a", "1", null, 0L))), 3));
        refused(400, "entries[0].valueBase64 is not base64", () -> CacheRequests.entries(new Items(List.of(new Item("a", null, "!!", null))), 3));
    }
}
