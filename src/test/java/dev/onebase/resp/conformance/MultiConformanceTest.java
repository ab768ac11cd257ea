package dev.onebase.resp.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * redis/redis tests/unit/multi.tcl, ported: MULTI/EXEC/DISCARD/WATCH/UNWATCH (replication, AOF, scripts, SWAPDB,
 * OOM and DEBUG cases are left out). A second connection {@code other} plays the tcl suite's other client.
 */
@QuarkusTest
class MultiConformanceTest extends ConformanceBase {

    private static final RawResp.Status QUEUED = new RawResp.Status("QUEUED");
    private static final RawResp.Status PONG = new RawResp.Status("PONG");

    @Test
    @DisplayName("multi.tcl: MULTI / EXEC basics; DISCARD")
    void basics() {
        r.ok("set", "mylist", "a b c");
        r.ok("multi");
        assertEquals(QUEUED, r.call("get", "mylist"));
        assertEquals(QUEUED, r.call("ping"));
        assertEquals(listOf("a b c", PONG), r.list("exec"));

        r.ok("multi");
        assertEquals(QUEUED, r.call("del", "mylist"));
        r.ok("discard");
        assertEquals("a b c", r.str("get", "mylist"));
        r.ok("multi");
        assertEquals(List.of(), r.list("exec"), "an empty transaction");
    }

    @Test
    @DisplayName("multi.tcl: Nested MULTI are not allowed; WATCH inside MULTI is not allowed; EXEC/DISCARD without MULTI")
    void misuse() {
        r.ok("multi");
        assertEquals("ERR MULTI calls can not be nested", r.err("multi"));
        assertEquals(List.of(), r.list("exec"));
        r.ok("multi");
        assertEquals("ERR WATCH inside MULTI is not allowed", r.err("watch", "x"));
        assertEquals(List.of(), r.list("exec"));
        assertEquals("ERR EXEC without MULTI", r.err("exec"));
        assertEquals("ERR DISCARD without MULTI", r.err("discard"));
    }

    @Test
    @DisplayName("multi.tcl: EXEC fails if there are errors while queueing commands #1; If EXEC aborts, the client MULTI state is cleared")
    void execAbort() {
        r.ok("multi");
        assertEquals(QUEUED, r.call("set", "foo1", "bar1"));
        assertEquals("ERR unknown command 'non-existing-command', with args beginning with: ", r.err("non-existing-command"));
        assertEquals("ERR wrong number of arguments for 'get' command", r.err("get"));
        assertEquals(QUEUED, r.call("set", "foo2", "bar2"));
        assertEquals("EXECABORT Transaction discarded because of previous errors.", r.err("exec"));
        assertEquals(0, r.num("exists", "foo1"));
        assertEquals(0, r.num("exists", "foo2"));
        assertEquals(PONG, r.call("ping"));
    }

    @Test
    @DisplayName("multi.tcl (and the MULTI docs): a command failing inside EXEC answers its error there, the others take effect")
    void runtimeErrorInsideExec() {
        r.ok("set", "s", "notanumber");
        r.ok("multi");
        assertEquals(QUEUED, r.call("set", "a", "1"));
        assertEquals(QUEUED, r.call("incr", "s"));
        assertEquals(QUEUED, r.call("incr", "a"));
        List<Object> replies = r.list("exec");
        assertEquals(new RawResp.Status("OK"), replies.get(0));
        assertEquals(new RawResp.Error("ERR value is not an integer or out of range"), replies.get(1));
        assertEquals(2L, replies.get(2));
        assertEquals("2", r.str("get", "a"));
    }

    @Test
    @DisplayName("multi.tcl: EXEC works on WATCHed key not modified; EXEC fail on WATCHed key modified (1 key of 1 / of 5 watched)")
    void watch() {
        r.ok("watch", "x", "y", "z");
        r.ok("watch", "k");
        r.ok("multi");
        r.call("ping");
        assertEquals(listOf(PONG), r.list("exec"));

        r.ok("set", "x", "30");
        r.ok("watch", "x");
        r.ok("set", "x", "40");
        r.ok("multi");
        r.call("ping");
        assertNull(r.list("exec"));

        r.ok("set", "x", "30");
        r.ok("watch", "a", "b", "x", "k", "z");
        r.ok("set", "x", "40");
        r.ok("multi");
        r.call("ping");
        assertNull(r.list("exec"));
    }

    @Test
    @DisplayName("multi.tcl: After successful / failed EXEC key is no longer watched; It is possible to UNWATCH; UNWATCH when nothing watched")
    void watchLifetime() {
        r.ok("set", "x", "30");
        r.ok("watch", "x");
        r.ok("multi");
        r.call("ping");
        r.list("exec");
        r.ok("set", "x", "40");
        r.ok("multi");
        r.call("ping");
        assertEquals(listOf(PONG), r.list("exec"));

        r.ok("set", "x", "30");
        r.ok("watch", "x");
        r.ok("set", "x", "40");
        r.ok("multi");
        r.call("ping");
        assertNull(r.list("exec"));
        r.ok("set", "x", "40");
        r.ok("multi");
        r.call("ping");
        assertEquals(listOf(PONG), r.list("exec"));

        r.ok("set", "x", "30");
        r.ok("watch", "x");
        r.ok("set", "x", "40");
        r.ok("unwatch");
        r.ok("multi");
        r.call("ping");
        assertEquals(listOf(PONG), r.list("exec"));
        r.ok("unwatch");
    }

    @Test
    @DisplayName("multi.tcl: FLUSHALL / FLUSHDB is able to touch the watched keys / does not touch non affected keys")
    void flushTouchesWatched() {
        for (String flush : new String[] { "flushall", "flushdb" }) {
            r.ok("set", "x", "30");
            r.ok("watch", "x");
            r.ok(flush);
            r.ok("multi");
            r.call("ping");
            assertNull(r.list("exec"), flush);

            r.num("del", "x");
            r.ok("watch", "x");
            r.ok(flush);
            r.ok("multi");
            r.call("ping");
            assertEquals(listOf(PONG), r.list("exec"), flush);
        }
        r.ok("mset", "a", "a", "b", "b");
        r.ok("watch", "b", "a");
        r.ok("flushall");
        assertEquals(PONG, r.call("ping"), "Flushall while watching several keys by one client");
    }

    @Test
    @DisplayName("multi.tcl: WATCH will consider touched keys target of EXPIRE / touched expired keys; WATCH stale keys should not fail EXEC")
    void watchAndExpiry() {
        r.ok("set", "x", "foo");
        r.ok("watch", "x");
        assertEquals(1, r.num("expire", "x", "10"));
        r.ok("multi");
        r.call("ping");
        assertNull(r.list("exec"));

        r.ok("set", "x", "foo");
        assertEquals(1, r.num("pexpire", "x", "100"));
        r.ok("watch", "x");
        sleep(250);
        r.ok("multi");
        r.call("ping");
        assertNull(r.list("exec"), "a watched key that expired counts as changed");

        r.ok("set", "y", "foo", "px", "1");
        sleep(20);
        r.ok("watch", "y");
        r.ok("multi");
        r.call("ping");
        assertEquals(listOf(PONG), r.list("exec"), "a key already expired when watched is not a change");
    }

    @Test
    @DisplayName("multi.tcl: DISCARD should clear the WATCH dirty flag on the client / should UNWATCH all the keys")
    void discardUnwatches() {
        r.ok("watch", "x");
        r.ok("set", "x", "10");
        r.ok("multi");
        r.ok("discard");
        r.ok("multi");
        r.call("incr", "x");
        assertEquals(listOf(11L), r.list("exec"));

        r.ok("watch", "x");
        r.ok("set", "x", "10");
        r.ok("multi");
        r.ok("discard");
        r.ok("set", "x", "10");
        r.ok("multi");
        r.call("incr", "x");
        assertEquals(listOf(11L), r.list("exec"));
    }

    @Test
    @DisplayName("multi.tcl: a WATCHed key changed by another client fails EXEC (the tcl suite's second client)")
    void otherClient() {
        RawResp other = client();
        r.ok("set", "x", "1");
        r.ok("watch", "x");
        other.ok("set", "x", "2");
        r.ok("multi");
        r.call("incr", "x");
        assertNull(r.list("exec"));
        assertEquals("2", r.str("get", "x"));
        r.ok("watch", "x");
        other.call("get", "x");
        r.ok("multi");
        r.call("incr", "x");
        assertEquals(listOf(3L), r.list("exec"), "a read by another client is not a change");
    }
}
