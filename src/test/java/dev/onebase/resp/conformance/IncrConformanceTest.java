package dev.onebase.resp.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * redis/redis tests/unit/type/incr.tcl, ported (the shared-object, refcount and encoding cases are left out). A list
 * in the tcl cases is a hash here: the other kind of value onebase has.
 */
@QuarkusTest
class IncrConformanceTest extends ConformanceBase {

    private static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    private static final String NOT_FLOAT = "ERR value is not a valid float";
    private static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

    @Test
    @DisplayName("incr.tcl: INCR against non existing key / key created by incr itself; DECR against key created by incr / not existing")
    void incrAndDecr() {
        assertEquals(1, r.num("incr", "novar"));
        assertEquals("1", r.str("get", "novar"));
        assertEquals(2, r.num("incr", "novar"));
        assertEquals(1, r.num("decr", "novar"));
        assertEquals(-1, r.num("decr", "novar_not_exist"));
        assertEquals(0, r.num("incr", "novar_not_exist"));
        r.ok("set", "novar", "100");
        assertEquals(101, r.num("incr", "novar"), "INCR against key originally set with SET");
        r.ok("set", "novar", "17179869184");
        assertEquals(17179869185L, r.num("incr", "novar"), "INCR over 32bit value");
        r.ok("set", "novar", "17179869184");
        assertEquals(34359738368L, r.num("incrby", "novar", "17179869184"));
        r.ok("set", "novar", "17179869184");
        assertEquals(-1, r.num("decrby", "novar", "17179869185"), "DECRBY over 32bit value with over 32bit increment, negative res");
        assertEquals(-1, r.num("decrby", "key_not_exist", "1"), "DECRBY against key is not exist");
    }

    @Test
    @DisplayName("incr.tcl: INCR fails against key with spaces (left) / (right) / (both); DECRBY negation overflow; against a key holding a list")
    void incrFailures() {
        for (String spaced : new String[] { "    11", "11    ", "    11    " }) {
            r.ok("set", "novar", spaced);
            assertEquals(NOT_INTEGER, r.err("incr", "novar"));
        }
        r.ok("set", "x", "0");
        assertEquals("ERR decrement would overflow", r.err("decrby", "x", "-9223372036854775808"));
        r.num("hset", "mylist", "f", "1");
        assertEquals(WRONGTYPE, r.err("incr", "mylist"));
        r.ok("set", "big", "9223372036854775807");
        assertEquals("ERR increment or decrement would overflow", r.err("incr", "big"));
        assertEquals("9223372036854775807", r.str("get", "big"));
        r.ok("set", "plus", "+1");
        assertEquals(NOT_INTEGER, r.err("incr", "plus"));
    }

    /**
     * Not a tcl case: INCRs that arrive together (onebase runs them as one statement) answer exactly as if run one by
     * one, each failure its own, and the commands between them see their effect.
     */
    @Test
    @DisplayName("pipeline: INCR/DECR/INCRBY/DECRBY that arrive together answer as if run one by one")
    void pipelinedIncrs() {
        r.ok("set", "s", "abc");
        r.num("hset", "h", "f", "1");
        r.ok("set", "big", "9223372036854775806");
        java.util.List<Object> replies = r.pipeline(java.util.List.of(
                new Object[] { "incr", "a" }, new Object[] { "incr", "a" }, new Object[] { "incrby", "a", "10" },
                new Object[] { "decr", "b" }, new Object[] { "incr", "s" }, new Object[] { "incr", "h" },
                new Object[] { "incr", "big" }, new Object[] { "incr", "big" }, new Object[] { "decrby", "a", "3" },
                new Object[] { "get", "a" }, new Object[] { "set", "a", "100" }, new Object[] { "incr", "a" },
                new Object[] { "mget", "a", "h", "b", "nokey", "s" }, new Object[] { "decr", "a" }, new Object[] { "incrby", "a", "x" }));
        assertEquals(java.util.List.of(1L, 2L, 12L, -1L, new RawResp.Error(NOT_INTEGER), new RawResp.Error(WRONGTYPE),
                9223372036854775807L, new RawResp.Error("ERR increment or decrement would overflow"), 9L, "9",
                new RawResp.Status("OK"), 101L, java.util.Arrays.asList("101", null, "-1", null, "abc"), 100L,
                new RawResp.Error(NOT_INTEGER)), replies);
        assertEquals("abc", r.str("get", "s"));
        assertEquals("9223372036854775807", r.str("get", "big"));
    }

    /**
     * onebase only: a batch of INCRs that hits the plan's entry limit (free: 10,000) writes nothing as a batch and is
     * run again one INCR at a time, so exactly the INCRs that need a new entry past the limit fail (OOM), in order.
     */
    @Test
    @DisplayName("pipeline: INCRs that arrive together past the plan's entry limit: only those that do not fit fail")
    void pipelinedIncrsAtTheEntryLimit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(onebase());
        dev.onebase.testsupport.TestApi.Tenant t = dev.onebase.testsupport.TestApi.signup();
        dev.onebase.testsupport.Db.exec("insert into cache_entries (tenant_id, key, value) select ?, 'k' || g, 'v'::bytea"
                + " from generate_series(1, 9998) g", t.id());
        RawResp c = unauthenticated();
        c.ok("auth", t.key());
        java.util.List<Object> replies = c.pipeline(java.util.List.of(new Object[] { "incr", "new1" }, new Object[] { "incr", "k1" },
                new Object[] { "incrby", "new2", "5" }, new Object[] { "incr", "new3" }, new Object[] { "incr", "new1" }));
        assertEquals(java.util.List.of(1L, new RawResp.Error(NOT_INTEGER), 5L), replies.subList(0, 3));
        org.junit.jupiter.api.Assertions.assertTrue(replies.get(3) instanceof RawResp.Error e && e.text().startsWith("OOM "), () -> "" + replies.get(3));
        assertEquals(2L, replies.get(4));
        assertEquals(10_000, dev.onebase.testsupport.Db.count("select count(*) from cache_entries where tenant_id = ?", t.id()));
        assertEquals(null, c.str("get", "new3"));
    }

    @Test
    @DisplayName("incr.tcl: INCRBYFLOAT against non existing key / key originally set with SET / over 32bit value / decrement")
    void incrbyfloat() {
        assertEquals("1", r.str("incrbyfloat", "novar", "1"));
        assertEquals("1", r.str("get", "novar"));
        assertEquals("1.25", r.str("incrbyfloat", "novar", "0.25"));
        assertEquals("1.25", r.str("get", "novar"));
        r.ok("set", "novar", "1.5");
        assertEquals("3", r.str("incrbyfloat", "novar", "1.5"));
        r.ok("set", "novar", "17179869184");
        assertEquals("17179869185.5", r.str("incrbyfloat", "novar", "1.5"));
        r.ok("set", "novar", "17179869184");
        assertEquals("34359738368", r.str("incrbyfloat", "novar", "17179869184"));
        r.ok("set", "foo", "1");
        assertEquals("-0.1", r.str("incrbyfloat", "foo", "-1.1"));
    }

    @Test
    @DisplayName("incr.tcl: INCRBYFLOAT fails against key with spaces / a key holding a list; does not allow NaN or Infinity; string to double with null terminator")
    void incrbyfloatFailures() {
        for (String spaced : new String[] { "    11", "11    ", " 11 " }) {
            r.ok("set", "novar", spaced);
            assertEquals(NOT_FLOAT, r.err("incrbyfloat", "novar", "1.0"));
        }
        r.num("hset", "mylist", "f", "1");
        assertEquals(WRONGTYPE, r.err("incrbyfloat", "mylist", "1.0"));
        r.ok("set", "foo", "0");
        assertEquals("ERR increment would produce NaN or Infinity", r.err("incrbyfloat", "foo", "+inf"));
        assertEquals("0", r.str("get", "foo"));
        assertEquals("ERR increment would produce NaN or Infinity", r.err("incrbyfloat", "missing", "-Infinity"));
        assertEquals(WRONGTYPE, r.err("incrbyfloat", "mylist", "+inf"), "the type is checked first");
        r.ok("set", "abc", "abc");
        assertEquals(NOT_FLOAT, r.err("incrbyfloat", "abc", "+inf"), "then the value");
        assertEquals(NOT_FLOAT, r.err("incrbyfloat", "abc", "nan"));
        r.ok("set", "foo", "1");
        assertEquals(3, r.num("setrange", "foo", "2", "2"));
        assertEquals(NOT_FLOAT, r.err("incrbyfloat", "foo", "1"));
    }

    @Test
    @DisplayName("incr.tcl: No negative zero")
    void noNegativeZero() {
        r.str("incrbyfloat", "foo", String.valueOf(1.0 / 41));
        assertEquals("0", r.str("incrbyfloat", "foo", String.valueOf(-1.0 / 41)));
        assertEquals("0", r.str("get", "foo"));
    }

    @Test
    @DisplayName("incr.tcl: INCRBY INCRBYFLOAT DECRBY against unhappy path")
    void unhappyPath() {
        assertEquals("ERR wrong number of arguments for 'incr' command", r.err("incr", "mykeyincr", "v"));
        assertEquals("ERR wrong number of arguments for 'decr' command", r.err("decr", "mykeyincr", "v"));
        assertEquals(NOT_INTEGER, r.err("incrby", "mykeyincr", "v"));
        assertEquals(NOT_INTEGER, r.err("incrby", "mykeyincr", "1.5"));
        assertEquals(NOT_INTEGER, r.err("decrby", "mykeyincr", "v"));
        assertEquals(NOT_INTEGER, r.err("decrby", "mykeyincr", "1.5"));
        assertEquals(NOT_FLOAT, r.err("incrbyfloat", "mykeyincr", "v"));
        assertEquals(0, r.num("exists", "mykeyincr"));
    }

    @Test
    @DisplayName("incr.tcl: incr/decr/incrby/decrby operation should update encoding from raw to int (the values)")
    void afterAppend() {
        for (String cmd : new String[] { "incr", "decr", "incrby", "decrby" }) {
            r.ok("set", "foo", "1");
            assertEquals(2, r.num("append", "foo", "2"));
            long expected = cmd.startsWith("incr") ? 13 : 11;
            assertEquals(expected, cmd.endsWith("by") ? r.num(cmd, "foo", "1") : r.num(cmd, "foo"), cmd);
            assertEquals(String.valueOf(expected), r.str("get", "foo"));
        }
    }
}
