package dev.onebase.resp.conformance;

import static dev.onebase.resp.conformance.StringConformanceTest.assertRange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * redis/redis tests/unit/expire.tcl, ported: the expiry commands with their NX/XX/GT/LT modes, negative and
 * overflowing TTLs, SET/GETEX expiries, PERSIST, TTL -1/-2 (the AOF, replication, DEBUG and active-expiry-cycle
 * cases are left out; waits are shortened to sub-second expiries).
 */
@QuarkusTest
class ExpireConformanceTest extends ConformanceBase {

    @Test
    @DisplayName("expire.tcl: EXPIRE - set timeouts multiple times / It should be still possible to read 'x' / after the TTL the key is gone")
    void expireMultipleTimes() {
        r.ok("set", "x", "foobar");
        assertEquals(1, r.num("expire", "x", "5"));
        assertRange(r.num("ttl", "x"), 4, 5);
        assertEquals(1, r.num("expire", "x", "10"));
        assertEquals(10, r.num("ttl", "x"));
        assertEquals(1, r.num("pexpire", "x", "200"));
        assertEquals("foobar", r.str("get", "x"));
        sleep(300);
        assertNull(r.str("get", "x"));
        assertEquals(0, r.num("exists", "x"));
    }

    @Test
    @DisplayName("expire.tcl: EXPIREAT - Check for EXPIRE alike behavior; SETEX - Set + Expire combo / value / overwrite / wrong time parameter")
    void expireatAndSetex() {
        r.ok("set", "x", "foo");
        assertEquals(1, r.num("expireat", "x", nowSeconds() + 15));
        assertRange(r.num("ttl", "x"), 13, 15);
        r.ok("setex", "x", "12", "test");
        assertRange(r.num("ttl", "x"), 10, 12);
        assertEquals("test", r.str("get", "x"));
        r.ok("psetex", "y", "100", "foo");
        assertEquals("foo", r.str("get", "y"));
        sleep(200);
        assertNull(r.str("get", "y"), "SETEX - Wait for the key to expire");
        assertEquals("ERR invalid expire time in 'setex' command", r.err("setex", "z", "-10", "foo"));
    }

    @Test
    @DisplayName("expire.tcl: PERSIST can undo an EXPIRE / returns 0 against non existing or non volatile keys")
    void persist() {
        r.ok("set", "x", "foo");
        assertEquals(1, r.num("expire", "x", "50"));
        assertEquals(50, r.num("ttl", "x"));
        assertEquals(1, r.num("persist", "x"));
        assertEquals(-1, r.num("ttl", "x"));
        assertEquals("foo", r.str("get", "x"));
        assertEquals(0, r.num("persist", "x"));
        assertEquals(0, r.num("persist", "nokeyatall"));
    }

    @Test
    @DisplayName("expire.tcl: PSETEX / PEXPIRE / PEXPIREAT can set sub-second expires")
    void subSecond() {
        r.ok("psetex", "x", "100", "somevalue");
        assertEquals("somevalue", r.str("get", "x"));
        r.ok("set", "y", "somevalue");
        assertEquals(1, r.num("pexpire", "y", "100"));
        r.ok("set", "z", "somevalue");
        List<Object> time = r.list("time");
        long nowMs = Long.parseLong((String) time.get(0)) * 1000 + Long.parseLong((String) time.get(1)) / 1000;
        assertEquals(1, r.num("pexpireat", "z", nowMs + 200));
        assertEquals("somevalue", r.str("get", "y"));
        assertEquals("somevalue", r.str("get", "z"));
        sleep(350);
        assertEquals(listOf(null, null, null), r.list("mget", "x", "y", "z"));
    }

    @Test
    @DisplayName("expire.tcl: TTL returns time to live in seconds; PTTL in milliseconds; -1 without expire; -2 for a missing key; (P)EXPIRETIME")
    void ttlFamily() {
        r.ok("setex", "x", "10", "somevalue");
        assertRange(r.num("ttl", "x"), 9, 10);
        r.ok("setex", "x", "1", "somevalue");
        assertRange(r.num("pttl", "x"), 501, 1000);
        r.ok("set", "x", "hello");
        for (String cmd : new String[] { "ttl", "pttl", "expiretime", "pexpiretime" }) {
            assertEquals(-1, r.num(cmd, "x"), cmd);
        }
        r.num("del", "x");
        for (String cmd : new String[] { "ttl", "pttl", "expiretime", "pexpiretime" }) {
            assertEquals(-2, r.num(cmd, "x"), cmd);
        }
        long abs = nowSeconds() + 100;
        r.ok("set", "x", "somevalue", "exat", abs);
        assertEquals(abs, r.num("expiretime", "x"));
        long absMs = nowMillis() + 100000;
        r.ok("set", "x", "somevalue", "pxat", absMs);
        assertEquals(absMs, r.num("pexpiretime", "x"));
    }

    @Test
    @DisplayName("expire.tcl: Redis should actively expire keys incrementally (DBSIZE counts live keys only); 5 keys in, 5 keys out")
    void expiredKeysAreNotCounted() {
        r.ok("psetex", "key1", "100", "a");
        r.ok("psetex", "key2", "100", "a");
        r.ok("psetex", "key3", "100", "a");
        assertEquals(3, r.num("dbsize"));
        sleep(250);
        assertEquals(0, r.num("dbsize"));
        r.ok("set", "a", "c");
        assertEquals(1, r.num("expire", "a", "5"));
        r.ok("set", "t", "c");
        r.ok("set", "e", "c");
        r.ok("set", "s", "c");
        r.ok("set", "foo", "b");
        List<Object> keys = r.list("keys", "*");
        keys.sort(null);
        assertEquals(listOf("a", "e", "foo", "s", "t"), keys);
    }

    @Test
    @DisplayName("expire.tcl: EXPIRE with empty string as TTL; SET/GETEX with EX big or smallest integer; EXPIRE/PEXPIRE with big integer overflows; big negative integer")
    void overflows() {
        r.ok("set", "foo", "bar");
        assertEquals("ERR value is not an integer or out of range", r.err("expire", "foo", ""));
        assertEquals("ERR invalid expire time in 'set' command", r.err("set", "foo", "bar", "EX", "10000000000000000"));
        assertEquals("ERR invalid expire time in 'set' command", r.err("set", "foo", "bar", "EX", "-9999999999999999"));
        assertEquals("ERR invalid expire time in 'getex' command", r.err("getex", "foo", "EX", "10000000000000000"));
        assertEquals("ERR invalid expire time in 'getex' command", r.err("getex", "foo", "EX", "-9999999999999999"));
        for (String n : new String[] { "9223370399119966", "9223372036854776", "10000000000000000", "18446744073709561" }) {
            assertEquals("ERR invalid expire time in 'expire' command", r.err("expire", "foo", n), n);
        }
        assertEquals(-1, r.num("ttl", "foo"));
        assertEquals("ERR invalid expire time in 'pexpire' command", r.err("pexpire", "foo", "9223372036854770000"));
        assertEquals("ERR invalid expire time in 'expire' command", r.err("expire", "foo", "-9223372036854776"));
        assertEquals("ERR invalid expire time in 'expire' command", r.err("expire", "foo", "-9999999999999999"));
        assertEquals(-1, r.num("ttl", "foo"));
        assertEquals("ERR value is not an integer or out of range", r.err("expire", "foo", "99999999999999999999"));
        assertEquals("bar", r.str("get", "foo"));
    }

    @Test
    @DisplayName("expire.tcl: PEXPIREAT with big integer works / with big negative integer works")
    void pexpireatBig() {
        r.ok("set", "foo", "bar");
        if (onebase()) {
            // documented difference (docs/resp.md): an expiry must end before the year 10000, a PostgreSQL timestamp
            assertEquals("ERR invalid expire time in 'pexpireat' command", r.err("pexpireat", "foo", "9223372036854770000"));
        } else {
            assertEquals(1, r.num("pexpireat", "foo", "9223372036854770000"));
        }
        r.ok("set", "foo", "bar");
        assertEquals(1, r.num("pexpireat", "foo", "-9223372036854770000"));
        assertEquals(-2, r.num("ttl", "foo"));
    }

    @Test
    @DisplayName("expire.tcl: SET command will remove expire; SET - use KEEPTTL option; GETEX use of PERSIST option should remove TTL")
    void setRemovesExpire() {
        r.ok("set", "foo", "bar", "EX", "100");
        r.ok("set", "foo", "bar");
        assertEquals(-1, r.num("ttl", "foo"));
        r.ok("set", "foo", "bar", "EX", "100");
        r.ok("set", "foo", "bar", "KEEPTTL");
        assertRange(r.num("ttl", "foo"), 91, 100);
        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals("bar", r.str("getex", "foo", "PERSIST"));
        assertEquals(-1, r.num("ttl", "foo"));
        r.ok("set", "foo", "bar");
        assertEquals("bar", r.str("getex", "foo", "exat", nowSeconds() - 100), "GETEX with a time in the past answers the value");
        assertEquals(-2, r.num("ttl", "foo"), "... and deletes the key");
    }

    @Test
    @DisplayName("expire.tcl: EXPIRE with NX / XX / GT / LT option on a key with and without ttl; LT and XX together")
    void expireModes() {
        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals(0, r.num("expire", "foo", "200", "NX"));
        assertRange(r.num("ttl", "foo"), 50, 100);
        r.ok("set", "foo", "bar");
        assertEquals(1, r.num("expire", "foo", "200", "NX"));
        assertRange(r.num("ttl", "foo"), 100, 200);

        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals(1, r.num("expire", "foo", "200", "XX"));
        assertRange(r.num("ttl", "foo"), 100, 200);
        r.ok("set", "foo", "bar");
        assertEquals(0, r.num("expire", "foo", "200", "XX"));
        assertEquals(-1, r.num("ttl", "foo"));

        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals(1, r.num("expire", "foo", "200", "GT"));
        assertRange(r.num("ttl", "foo"), 100, 200);
        r.ok("set", "foo", "bar", "EX", "200");
        assertEquals(0, r.num("expire", "foo", "100", "GT"));
        assertRange(r.num("ttl", "foo"), 100, 200);
        r.ok("set", "foo", "bar");
        assertEquals(0, r.num("expire", "foo", "200", "GT"));
        assertEquals(-1, r.num("ttl", "foo"));

        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals(0, r.num("expire", "foo", "200", "LT"));
        assertRange(r.num("ttl", "foo"), 50, 100);
        r.ok("set", "foo", "bar", "EX", "200");
        assertEquals(1, r.num("expire", "foo", "100", "LT"));
        assertRange(r.num("ttl", "foo"), 50, 100);
        r.ok("set", "foo", "bar");
        assertEquals(1, r.num("expire", "foo", "100", "LT"));
        assertRange(r.num("ttl", "foo"), 50, 100);

        r.ok("set", "foo", "bar", "EX", "200");
        assertEquals(1, r.num("expire", "foo", "100", "LT", "XX"));
        assertRange(r.num("ttl", "foo"), 50, 100);
        r.ok("set", "foo", "bar");
        assertEquals(0, r.num("expire", "foo", "200", "LT", "XX"));
        assertEquals(-1, r.num("ttl", "foo"));
        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals(1, r.num("expire", "foo", "200", "XX", "GT"), "XX with GT is allowed too");
        assertRange(r.num("ttl", "foo"), 100, 200);
        assertEquals(0, r.num("pexpireat", "foo", r.num("pexpiretime", "foo"), "GT"), "GT: an equal expiry is not greater");
        assertEquals(0, r.num("pexpireat", "foo", r.num("pexpiretime", "foo"), "LT"), "LT: an equal expiry is not less");
    }

    @Test
    @DisplayName("expire.tcl: EXPIRE with conflicting options (LT GT, NX GT, NX LT, NX XX) / unsupported options")
    void expireOptionErrors() {
        r.ok("set", "foo", "bar");
        assertEquals("ERR GT and LT options at the same time are not compatible", r.err("expire", "foo", "200", "LT", "GT"));
        assertEquals("ERR NX and XX, GT or LT options at the same time are not compatible", r.err("expire", "foo", "200", "NX", "GT"));
        assertEquals("ERR NX and XX, GT or LT options at the same time are not compatible", r.err("expire", "foo", "200", "NX", "LT"));
        assertEquals("ERR NX and XX, GT or LT options at the same time are not compatible", r.err("expire", "foo", "200", "NX", "XX"));
        assertEquals("ERR Unsupported option AB", r.err("expire", "foo", "200", "AB"));
        assertEquals("ERR Unsupported option AB", r.err("expire", "foo", "200", "XX", "AB"));
        // expireGenericCommand reads every option before it compares them, and both before the number
        assertEquals("ERR Unsupported option AB", r.err("expire", "foo", "200", "NX", "XX", "AB"));
        assertEquals("ERR GT and LT options at the same time are not compatible", r.err("expire", "foo", "x", "GT", "LT"));
        assertEquals(1, r.num("expire", "foo", "100", "nx", "nx"), "a repeated mode is accepted");
        assertEquals("ERR Unsupported option AB", r.err("expire", "foo", "-1", "AB"), "an invalid mode deletes nothing");
        assertEquals("bar", r.str("get", "foo"));
    }

    @Test
    @DisplayName("expire.tcl: EXPIRE with negative expiry (on a volatile and a non-volatile key) / with non-existed key")
    void expireNegativeAndMissing() {
        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals(1, r.num("expire", "foo", "-10", "LT"));
        assertEquals(-2, r.num("ttl", "foo"));
        r.ok("set", "foo", "bar");
        assertEquals(1, r.num("expire", "foo", "-10", "LT"));
        assertEquals(-2, r.num("ttl", "foo"));
        for (String mode : new String[] { "NX", "XX", "GT", "LT" }) {
            assertEquals(0, r.num("expire", "none", "100", mode), mode);
        }
        r.ok("set", "foo", "bar");
        assertEquals(0, r.num("expire", "foo", "-1", "XX"), "a TTL of zero or less deletes only when the mode allows it");
        assertEquals(0, r.num("expire", "foo", "0", "GT"));
        assertEquals("bar", r.str("get", "foo"));
        r.ok("set", "foo", "bar", "EX", "100");
        assertEquals(0, r.num("expire", "foo", "0", "NX"));
        assertEquals(0, r.num("expire", "foo", "-5", "GT"));
        assertEquals(1, r.num("expire", "foo", "0", "XX"));
        assertEquals(0, r.num("exists", "foo"));
        r.ok("set", "foo", "bar");
        assertEquals(1, r.num("expireat", "foo", "1"), "EXPIREAT in the past deletes");
        assertEquals(0, r.num("exists", "foo"));
        assertEquals(0, r.num("expire", "foo", "100"));
    }
}
