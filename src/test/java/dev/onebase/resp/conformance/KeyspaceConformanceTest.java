package dev.onebase.resp.conformance;

import static dev.onebase.resp.conformance.StringConformanceTest.assertRange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * redis/redis tests/unit/keyspace.tcl, ported: DEL, EXISTS, KEYS, DBSIZE, pipelining, RENAME, RENAMENX, COPY, TYPE,
 * SCAN (MOVE, SWAPDB, RANDOMKEY, other databases and the list/set/zset/stream COPY cases are left out).
 */
@QuarkusTest
class KeyspaceConformanceTest extends ConformanceBase {

    @Test
    @DisplayName("keyspace.tcl: DEL against a single item / Vararg DEL / Untagged multi-key commands")
    void del() {
        r.ok("set", "x", "foo");
        assertEquals("foo", r.str("get", "x"));
        assertEquals(1, r.num("del", "x"));
        assertNull(r.str("get", "x"));
        r.ok("set", "foo1", "a");
        r.ok("set", "foo2", "b");
        r.ok("set", "foo3", "c");
        assertEquals(3, r.num("del", "foo1", "foo2", "foo3", "foo4"));
        assertEquals(listOf(null, null, null), r.list("mget", "foo1", "foo2", "foo3"));
        r.ok("mset", "foo1", "a", "foo2", "b", "foo3", "c");
        assertEquals(listOf("a", "b", "c", null), r.list("mget", "foo1", "foo2", "foo3", "foo4"));
        assertEquals(3, r.num("unlink", "foo1", "foo2", "foo3", "foo4"));
        r.ok("psetex", "keyExpire", "1", "valExpire");
        sleep(20);
        assertEquals(0, r.num("del", "keyExpire"), "DEL against expired key");
    }

    @Test
    @DisplayName("keyspace.tcl: KEYS with pattern / to get all keys / with hashtag; DBSIZE; DEL all keys")
    void keys() {
        for (String key : new String[] { "key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c" }) {
            r.ok("set", key, "hello");
        }
        assertEquals(listOf("foo_a", "foo_b", "foo_c"), sorted(r.list("keys", "foo*")));
        assertEquals(listOf("foo_a", "foo_b", "foo_c", "key_x", "key_y", "key_z"), sorted(r.list("keys", "*")));
        assertEquals(6, r.num("dbsize"));
        for (String key : new String[] { "{a}x", "{a}y", "{a}z", "{b}a", "{b}b", "{b}c" }) {
            r.ok("set", key, "hello");
        }
        assertEquals(listOf("{a}x", "{a}y", "{a}z"), sorted(r.list("keys", "{a}*")));
        assertEquals(listOf("{b}a", "{b}b", "{b}c"), sorted(r.list("keys", "*{b}*")));
        for (Object key : r.list("keys", "*")) {
            r.num("del", key);
        }
        assertEquals(0, r.num("dbsize"));
    }

    @Test
    @DisplayName("keyspace.tcl: KEYS * two times with long key; Regression for pattern matching long nested loops / very long nested loops")
    void patternRegressions() {
        r.ok("set", "dlskeriewrioeuwqoirueioqwrueoqwrueqw", "test");
        r.list("keys", "*");
        assertEquals(listOf("dlskeriewrioeuwqoirueioqwrueoqwrueqw"), r.list("keys", "*"));
        r.ok("flushdb");
        r.ok("set", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1");
        assertEquals(List.of(), r.list("keys", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"));
        r.ok("flushdb");
        // the tcl case uses a key of 50000 a's; the free plan's keys are at most 512 bytes
        r.ok("set", "a".repeat(500), "1");
        assertEquals(List.of(), r.list("keys", "*?".repeat(50000)));
        assertEquals(List.of(), r.list("scan", "0", "match", "*?".repeat(50000)).get(1));
    }

    @Test
    @DisplayName("keyspace.tcl: EXISTS / Zero length value in key. SET/GET/EXISTS")
    void exists() {
        r.ok("set", "newkey", "test");
        assertEquals(1, r.num("exists", "newkey"));
        r.num("del", "newkey");
        assertEquals(0, r.num("exists", "newkey"));
        r.ok("set", "emptykey", "");
        assertEquals("", r.str("get", "emptykey"));
        assertEquals(1, r.num("exists", "emptykey"));
        r.num("del", "emptykey");
        assertEquals(0, r.num("exists", "emptykey"));
        r.ok("set", "a", "1");
        assertEquals(3, r.num("exists", "a", "a", "nokey", "a"), "EXISTS counts a key given twice twice");
    }

    @Test
    @DisplayName("keyspace.tcl: Commands pipelining (inline commands); Non existing command")
    void pipeliningAndUnknown() {
        r.writeRaw("SET k1 xyzk\r\nGET k1\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(new RawResp.Status("OK"), r.read());
        assertEquals("xyzk", r.read());
        assertEquals(new RawResp.Status("PONG"), r.read());
        assertEquals("ERR unknown command 'foobaredcommand', with args beginning with: ", r.err("foobaredcommand"));
        assertEquals("ERR unknown command 'foobaredcommand', with args beginning with: 'a' 'b' ", r.err("foobaredcommand", "a", "b"));
    }

    @Test
    @DisplayName("keyspace.tcl: RENAME basic usage / source key should no longer exist / against already existing key / against non existing source key")
    void rename() {
        r.ok("set", "mykey", "hello");
        r.ok("rename", "mykey", "mykey1");
        r.ok("rename", "mykey1", "mykey2");
        assertEquals("hello", r.str("get", "mykey2"));
        assertEquals(0, r.num("exists", "mykey"));
        r.ok("set", "mykey", "a");
        r.ok("set", "mykey2", "b");
        r.ok("rename", "mykey2", "mykey");
        assertEquals("b", r.str("get", "mykey"));
        assertEquals(0, r.num("exists", "mykey2"));
        assertEquals("ERR no such key", r.err("rename", "nokey", "foobar"));
        assertEquals("ERR no such key", r.err("renamenx", "nokey", "foobar"));
    }

    @Test
    @DisplayName("keyspace.tcl: RENAMENX basic usage / against already existing key; source and dest the same (existing, non existing)")
    void renamenx() {
        r.ok("set", "mykey", "foobar");
        assertEquals(1, r.num("renamenx", "mykey", "mykey2"));
        assertEquals("foobar", r.str("get", "mykey2"));
        assertEquals(0, r.num("exists", "mykey"));
        r.ok("set", "mykey", "foo");
        r.ok("set", "mykey2", "bar");
        assertEquals(0, r.num("renamenx", "mykey", "mykey2"));
        assertEquals("foo", r.str("get", "mykey"));
        assertEquals("bar", r.str("get", "mykey2"));
        r.ok("set", "mykey", "foo");
        r.ok("rename", "mykey", "mykey");
        assertEquals(0, r.num("renamenx", "mykey", "mykey"));
        r.num("del", "mykey");
        assertEquals("ERR no such key", r.err("rename", "mykey", "mykey"));
    }

    @Test
    @DisplayName("keyspace.tcl: RENAME with volatile key, should move the TTL as well / should not inherit TTL of target key")
    void renameTtl() {
        r.ok("set", "mykey", "foo");
        r.num("expire", "mykey", "100");
        assertRange(r.num("ttl", "mykey"), 96, 100);
        r.ok("rename", "mykey", "mykey2");
        assertRange(r.num("ttl", "mykey2"), 96, 100);
        r.num("del", "mykey", "mykey2");
        r.ok("set", "mykey", "foo");
        r.ok("set", "mykey2", "bar");
        r.num("expire", "mykey2", "100");
        assertEquals(-1, r.num("ttl", "mykey"));
        r.ok("rename", "mykey", "mykey2");
        assertEquals(-1, r.num("ttl", "mykey2"));
    }

    @Test
    @DisplayName("keyspace.tcl: COPY basic usage for string / does not replace without REPLACE / replaces with REPLACE / copies expire metadata / does not create an expire")
    void copy() {
        r.ok("set", "mykey", "foobar");
        assertEquals(1, r.num("copy", "mykey", "mynewkey"));
        assertEquals("foobar", r.str("get", "mynewkey"));
        assertEquals(2, r.num("dbsize"));
        r.ok("set", "mykey2", "hello");
        assertEquals(0, r.num("copy", "mykey2", "mynewkey"));
        assertEquals(1, r.num("copy", "mykey2", "mynewkey", "REPLACE"));
        assertEquals("hello", r.str("get", "mynewkey"));
        r.ok("set", "mynewkey", "hoge");
        assertEquals("hello", r.str("get", "mykey2"), "COPY for string ensures that copied data is independent of copying data");
        assertEquals("ERR value is not an integer or out of range", r.err("copy", "mykey", "mynewkey", "DB", "notanumber"));
        r.ok("set", "mykey", "foobar", "ex", "100");
        assertEquals(1, r.num("copy", "mykey", "mynewkey", "REPLACE"));
        assertRange(r.num("ttl", "mynewkey"), 1, 100);
        assertEquals("foobar", r.str("get", "mynewkey"));
        r.ok("set", "mykey", "foobar");
        assertEquals(1, r.num("copy", "mykey", "mynewkey", "REPLACE"));
        assertEquals(-1, r.num("ttl", "mynewkey"));
        assertEquals(0, r.num("copy", "nokey", "mynewkey"));
        assertEquals("ERR source and destination objects are the same", r.err("copy", "mykey", "mykey"));
        assertEquals("ERR syntax error", r.err("copy", "mykey", "other", "NOSUCHOPTION"));
    }

    @Test
    @DisplayName("keyspace.tcl: COPY basic usage for listpack hash / hashtable hash (the copy is independent)")
    void copyHash() {
        assertEquals(1, r.num("hset", "hash1", "tmp", "17179869184"));
        assertEquals(1, r.num("copy", "hash1", "newhash1"));
        assertEquals(r.list("hgetall", "hash1"), r.list("hgetall", "newhash1"));
        r.num("del", "hash1");
        assertEquals(listOf("tmp", "17179869184"), r.list("hgetall", "newhash1"));
        assertEquals(new RawResp.Status("hash"), r.status("type", "newhash1"));
    }

    @Test
    @DisplayName("type.tcl / keyspace: TYPE of a string, a hash, a missing key; SCAN with MATCH, COUNT and TYPE (scan.tcl, basic cases)")
    void typeAndScan() {
        r.ok("set", "s", "v");
        r.num("hset", "h", "f", "v");
        assertEquals(new RawResp.Status("string"), r.status("type", "s"));
        assertEquals(new RawResp.Status("hash"), r.status("type", "h"));
        assertEquals(new RawResp.Status("none"), r.status("type", "nokey"));
        for (int i = 0; i < 100; i++) {
            r.ok("set", "key:" + i, "v");
        }
        Set<Object> seen = new HashSet<>();
        String cursor = "0";
        do {
            List<Object> page = r.list("scan", cursor, "count", "7");
            cursor = (String) page.get(0);
            seen.addAll(list(page.get(1)));
        } while (!cursor.equals("0"));
        assertEquals(102, seen.size(), "SCAN basic: every key is returned");
        seen.clear();
        cursor = "0";
        do {
            List<Object> page = r.list("scan", cursor, "match", "key:1*", "count", "20");
            cursor = (String) page.get(0);
            seen.addAll(list(page.get(1)));
        } while (!cursor.equals("0"));
        assertEquals(11, seen.size(), "SCAN MATCH");
        seen.clear();
        cursor = "0";
        do {
            List<Object> page = r.list("scan", cursor, "type", "hash", "count", "1000");
            cursor = (String) page.get(0);
            seen.addAll(list(page.get(1)));
        } while (!cursor.equals("0"));
        assertEquals(Set.of("h"), seen, "SCAN TYPE");
        assertEquals("ERR invalid cursor", r.err("scan", "x"));
        assertEquals("ERR syntax error", r.err("scan", "0", "count", "0"));
        assertEquals("ERR syntax error", r.err("scan", "0", "count"));
        assertEquals("ERR value is not an integer or out of range", r.err("scan", "0", "count", "x"));
    }

    @Test
    @DisplayName("FLUSHDB / FLUSHALL answer OK and empty the keyspace (flushdb.tcl basics); SELECT 0 only")
    void flushAndSelect() {
        r.ok("set", "a", "1");
        r.num("hset", "h", "f", "v");
        r.ok("flushdb");
        assertEquals(0, r.num("dbsize"));
        r.ok("set", "a", "1");
        r.ok("flushall", "sync");
        assertEquals(0, r.num("dbsize"));
        assertEquals("ERR syntax error", r.err("flushdb", "now"));
        r.ok("select", "0");
        assertEquals("ERR value is not an integer or out of range", r.err("select", "x"));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    private static List<Object> sorted(List<Object> items) {
        List<Object> copy = new ArrayList<>(items);
        copy.sort(null);
        return copy;
    }

    @Test
    @DisplayName("keyspace: DEL, EXISTS and TYPE see an expired key as missing")
    void expiredIsMissing() {
        r.ok("set", "e", "v", "px", "1");
        sleep(20);
        assertEquals(0, r.num("exists", "e"));
        assertEquals(new RawResp.Status("none"), r.status("type", "e"));
        assertEquals(0, r.num("del", "e"));
        assertTrue(r.list("keys", "*").isEmpty());
    }
}
