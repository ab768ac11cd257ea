package dev.onebase.resp.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * redis/redis tests/unit/type/hash.tcl, ported: the hash commands onebase has (HRANDFIELD, encodings, listpack
 * conversions and DEBUG are left out). The tcl suite's "small" (8 fields) and "big" (1024 fields) hashes are both
 * built here; onebase stores either the same way.
 */
@QuarkusTest
class HashConformanceTest extends ConformanceBase {

    private static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

    /**
     * A hash of n random fields: the small one field by field, as the tcl suite builds both; the big one with one HSET
     * of all its pairs (onebase rewrites a hash on every write, so 1024 single-field HSETs would only test patience).
     */
    private Map<String, String> fill(String key, int n) {
        Random random = new Random(n);
        Map<String, String> hash = new LinkedHashMap<>();
        List<Object[]> commands = new ArrayList<>();
        List<Object> all = new ArrayList<>(List.of("hset", key));
        while (hash.size() < n) {
            String field = "__avoid_collisions__" + random.nextInt(1_000_000_000);
            String value = "__avoid_collisions__" + random.nextInt(1_000_000_000);
            if (hash.putIfAbsent(field, value) == null) {
                commands.add(new Object[] { "hset", key, field, value });
                all.add(field);
                all.add(value);
            }
        }
        if (n <= 8) {
            assertTrue(r.pipeline(commands).stream().allMatch(Long.valueOf(1)::equals));
        } else {
            assertEquals(n, r.num(all.toArray()));
        }
        return hash;
    }

    @Test
    @DisplayName("hash.tcl: HSET/HLEN - Small hash creation / Big hash creation; HGET against the small / big hash; HGET against non existing key")
    void createAndGet() {
        for (int n : new int[] { 8, 1024 }) {
            String key = "hash" + n;
            Map<String, String> hash = fill(key, n);
            assertEquals(n, r.num("hlen", key));
            // HGET field by field (at most 100 of them: a tenant of the free plan has 600 requests a minute)
            List<Object[]> gets = new ArrayList<>();
            List<Object> expected = new ArrayList<>();
            hash.forEach((f, v) -> {
                if (gets.size() < 100) {
                    gets.add(new Object[] { "hget", key, f });
                    expected.add(v);
                }
            });
            assertEquals(expected, r.pipeline(gets));
            assertNull(r.str("hget", key, "__123123123__"));
            // HMGET - small hash / big hash: values in the order asked
            List<Object> words = new ArrayList<>(List.of("hmget", key));
            words.addAll(hash.keySet());
            assertEquals(new ArrayList<>(hash.values()), r.list(words.toArray()));
            // HKEYS / HVALS / HGETALL - small hash / big hash
            assertEquals(sorted(hash.keySet()), sorted(r.list("hkeys", key)));
            assertEquals(sorted(hash.values()), sorted(r.list("hvals", key)));
            List<Object> all = r.list("hgetall", key);
            Map<Object, Object> got = new LinkedHashMap<>();
            for (int i = 0; i < all.size(); i += 2) {
                got.put(all.get(i), all.get(i + 1));
            }
            assertEquals(hash, got);
            // HSTRLEN against the small / big hash, against non existing field
            String field = hash.keySet().iterator().next();
            assertEquals(hash.get(field).length(), r.num("hstrlen", key, field));
            assertEquals(0, r.num("hstrlen", key, "__123123123__"));
            // HEXISTS
            assertEquals(1, r.num("hexists", key, field));
            assertEquals(0, r.num("hexists", key, "nokey"));
        }
        assertNull(r.str("hget", "nokey", "f"));
    }

    @Test
    @DisplayName("hash.tcl: HSET in update and insert mode; HSETNX target key missing / exists")
    void hsetModes() {
        r.num("hset", "smallhash", "k", "v");
        assertEquals(0, r.num("hset", "smallhash", "k", "newval1"));
        assertEquals("newval1", r.str("hget", "smallhash", "k"));
        assertEquals(1, r.num("hset", "smallhash", "__foobar123__", "newval"));
        assertEquals(1, r.num("hdel", "smallhash", "__foobar123__"));
        assertEquals(2, r.num("hset", "multi", "a", "1", "b", "2", "a", "3"), "a field given twice counts once");
        assertEquals("3", r.str("hget", "multi", "a"));

        assertEquals(1, r.num("hsetnx", "smallhash", "__123123123__", "foo"));
        assertEquals("foo", r.str("hget", "smallhash", "__123123123__"));
        assertEquals(0, r.num("hsetnx", "smallhash", "__123123123__", "bar"));
        assertEquals("foo", r.str("hget", "smallhash", "__123123123__"));
        assertEquals(1, r.num("hsetnx", "newhash", "f", "v"), "HSETNX creates the key");
    }

    @Test
    @DisplayName("hash.tcl: HSET/HMSET wrong number of args; HMSET - small hash; HMGET against non existing key and fields")
    void hmset() {
        assertEquals("ERR wrong number of arguments for 'hset' command", r.err("hset", "smallhash", "key1", "val1", "key2"));
        assertEquals("ERR wrong number of arguments for 'hmset' command", r.err("hmset", "smallhash", "key1", "val1", "key2"));
        r.ok("hmset", "smallhash", "a", "1", "b", "2");
        assertEquals(listOf("1", "2"), r.list("hmget", "smallhash", "a", "b"));
        assertEquals(listOf(null, null), r.list("hmget", "doesntexist", "__123123123__", "__456456456__"));
        assertEquals(listOf(null, null), r.list("hmget", "smallhash", "__123123123__", "__456456456__"));
    }

    @Test
    @DisplayName("hash.tcl: Hash commands against wrong type")
    void wrongType() {
        r.ok("set", "wrongtype", "somevalue");
        Object[][] commands = { { "hmget", "wrongtype", "field1", "field2" }, { "hget", "wrongtype", "field1" }, { "hgetall", "wrongtype" },
                { "hdel", "wrongtype", "field1" }, { "hincrby", "wrongtype", "field1", "2" }, { "hincrbyfloat", "wrongtype", "field1", "2.5" },
                { "hstrlen", "wrongtype", "field1" }, { "hvals", "wrongtype" }, { "hkeys", "wrongtype" }, { "hexists", "wrongtype", "field1" },
                { "hset", "wrongtype", "field1", "val1" }, { "hmset", "wrongtype", "field1", "val1", "field2", "val2" },
                { "hsetnx", "wrongtype", "field1", "val1" }, { "hlen", "wrongtype" }, { "hscan", "wrongtype", "0" } };
        for (Object[] c : commands) {
            assertEquals(WRONGTYPE, r.err(c), String.valueOf(c[0]));
        }
        assertEquals("somevalue", r.str("get", "wrongtype"));
        r.num("hset", "h", "f", "v");
        for (Object[] c : new Object[][] { { "get", "h" }, { "incr", "h" }, { "append", "h", "x" }, { "strlen", "h" },
                { "getrange", "h", "0", "1" }, { "getex", "h" }, { "getdel", "h" }, { "getset", "h", "x" }, { "set", "h", "x", "get" } }) {
            assertEquals(WRONGTYPE, r.err(c), String.valueOf(c[0]));
        }
        assertEquals("v", r.str("hget", "h", "f"));
    }

    @Test
    @DisplayName("hash.tcl: HGETALL against non-existing key; HDEL and return value / more than a single value / hash becomes empty")
    void hdel() {
        assertEquals(List.of(), r.list("hgetall", "htest"));
        r.num("hset", "smallhash", "k1", "v1", "k2", "v2");
        assertEquals(0, r.num("hdel", "smallhash", "nokey"));
        assertEquals(1, r.num("hdel", "smallhash", "k1"));
        assertEquals(0, r.num("hdel", "smallhash", "k1"));
        assertNull(r.str("hget", "smallhash", "k1"));
        r.ok("hmset", "myhash", "a", "1", "b", "2", "c", "3");
        assertEquals(0, r.num("hdel", "myhash", "x", "y"));
        assertEquals(2, r.num("hdel", "myhash", "a", "c", "f"));
        assertEquals(listOf("b", "2"), r.list("hgetall", "myhash"));
        r.num("del", "myhash");
        r.ok("hmset", "myhash", "a", "1", "b", "2", "c", "3");
        assertEquals(3, r.num("hdel", "myhash", "a", "b", "c", "d", "e"));
        assertEquals(0, r.num("exists", "myhash"));
        assertEquals(0, r.num("hdel", "myhash", "a"));
    }

    @Test
    @DisplayName("hash.tcl: HINCRBY against non existing database key / hash key / key created by hincrby itself / originally set with HSET / over 32bit")
    void hincrby() {
        assertEquals(2, r.num("hincrby", "htest", "foo", "2"));
        assertEquals(2, r.num("hincrby", "smallhash", "tmp", "2"));
        assertEquals("2", r.str("hget", "smallhash", "tmp"));
        assertEquals(5, r.num("hincrby", "smallhash", "tmp", "3"));
        assertEquals("5", r.str("hget", "smallhash", "tmp"));
        r.num("hset", "smallhash", "tmp", "100");
        assertEquals(102, r.num("hincrby", "smallhash", "tmp", "2"));
        r.num("hset", "smallhash", "tmp", "17179869184");
        assertEquals(17179869185L, r.num("hincrby", "smallhash", "tmp", "1"));
        r.num("hset", "smallhash", "tmp", "17179869184");
        assertEquals(34359738368L, r.num("hincrby", "smallhash", "tmp", "17179869184"));
    }

    @Test
    @DisplayName("hash.tcl: HINCRBY HINCRBYFLOAT against non-integer increment value; fails against hash value with spaces; can detect overflows")
    void hincrbyFailures() {
        r.num("hset", "incrhash", "field", "5");
        assertEquals("ERR value is not an integer or out of range", r.err("hincrby", "incrhash", "field", "v"));
        assertEquals("ERR value is not a valid float", r.err("hincrbyfloat", "incrhash", "field", "v"));
        for (String spaced : new String[] { " 11", "11 " }) {
            r.num("hset", "smallhash", "str", spaced);
            assertEquals("ERR hash value is not an integer", r.err("hincrby", "smallhash", "str", "1"));
            assertEquals("ERR hash value is not a float", r.err("hincrbyfloat", "smallhash", "str", "1"));
        }
        r.num("hset", "hash", "n", "-9223372036854775484");
        assertEquals(-9223372036854775485L, r.num("hincrby", "hash", "n", "-1"));
        assertEquals("ERR increment or decrement would overflow", r.err("hincrby", "hash", "n", "-10000"));
        assertEquals("-9223372036854775485", r.str("hget", "hash", "n"));
    }

    @Test
    @DisplayName("hash.tcl: HINCRBYFLOAT against non existing database key / hash key / key created by hincrby itself / originally set with HSET / over 32bit")
    void hincrbyfloat() {
        assertEquals("2.5", r.str("hincrbyfloat", "htest", "foo", "2.5"));
        assertEquals("2.5", r.str("hincrbyfloat", "smallhash", "tmp", "2.5"));
        assertEquals("2.5", r.str("hget", "smallhash", "tmp"));
        assertEquals("6", r.str("hincrbyfloat", "smallhash", "tmp", "3.5"));
        r.num("hset", "smallhash", "tmp", "100");
        assertEquals("102.5", r.str("hincrbyfloat", "smallhash", "tmp", "2.5"));
        r.num("hset", "smallhash", "tmp", "17179869184");
        assertEquals("17179869185", r.str("hincrbyfloat", "smallhash", "tmp", "1"));
        r.num("hset", "smallhash", "tmp", "17179869184");
        assertEquals("34359738368", r.str("hincrbyfloat", "smallhash", "tmp", "17179869184"));
        // Test HINCRBYFLOAT for correct float representation (issue #2846)
        assertEquals("1.23", r.str("hincrbyfloat", "myhash", "float", "1.23"));
        assertEquals("2", r.str("hincrbyfloat", "myhash", "float", "0.77"));
        assertEquals("1.9", r.str("hincrbyfloat", "myhash", "float", "-0.1"));
    }

    @Test
    @DisplayName("hash.tcl: HINCRBYFLOAT fails against hash value that contains a null-terminator in the middle; does not allow NaN or Infinity")
    void hincrbyfloatEdges() {
        r.num("hset", "h", "f", "1\0" + "2");
        assertEquals("ERR hash value is not a float", r.err("hincrbyfloat", "h", "f", "1"));
        assertEquals("ERR value is NaN or Infinity", r.err("hincrbyfloat", "hfoo", "field", "+inf"));
        assertEquals(0, r.num("exists", "hfoo"));
    }

    @Test
    @DisplayName("hash.tcl: HSTRLEN corner cases; Hash ziplist regression test for large keys")
    void hstrlenCorners() {
        for (String v : new String[] { "-9223372036854775808", "9223372036854775807", "9223372036854775808", "", "0", "-1", "x" }) {
            r.ok("hmset", "smallhash", "field", v);
            assertEquals(v.length(), r.num("hstrlen", "smallhash", "field"), v);
        }
        String big = "k".repeat(350);
        r.num("hset", "hash", big, "a");
        r.num("hset", "hash", big, "b");
        assertEquals("b", r.str("hget", "hash", big));
    }

    @Test
    @DisplayName("HSCAN (scan.tcl: HSCAN with MATCH, NOVALUES) and TYPE/EXPIRE on a hash")
    void hscan() {
        r.num("hset", "h", "a1", "1", "a2", "2", "b1", "3");
        List<Object> page = r.list("hscan", "h", "0", "match", "a*");
        assertEquals("0", page.get(0));
        assertEquals(sorted(List.of("a1", "1", "a2", "2")), sorted(listOfObjects(page.get(1))));
        if (onebase()) { // NOVALUES came with Redis 7.4
            List<Object> names = r.list("hscan", "h", "0", "novalues");
            assertEquals(sorted(List.of("a1", "a2", "b1")), sorted(listOfObjects(names.get(1))));
        }
        assertEquals(List.of("0", List.of()), r.list("hscan", "nokey", "0"));
        assertEquals(1, r.num("expire", "h", "100"));
        r.num("hset", "h", "c", "4");
        assertTrue(r.num("ttl", "h") > 90, "HSET keeps the key's expiry");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> listOfObjects(Object o) {
        return (List<Object>) o;
    }

    private static List<String> sorted(java.util.Collection<?> items) {
        List<String> copy = new ArrayList<>();
        items.forEach(i -> copy.add(String.valueOf(i)));
        copy.sort(null);
        return copy;
    }
}
