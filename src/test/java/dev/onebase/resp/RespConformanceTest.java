package dev.onebase.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/**
 * Cases after Redis 7's own test suite (tests/unit/type/incr.tcl, string.tcl, expire.tcl, keyspace.tcl) and command
 * documentation, with the exact replies and error texts Redis gives; and the concurrency guarantees of its
 * single-threaded execution, which onebase gives with PostgreSQL row locks.
 */
@QuarkusTest
class RespConformanceTest {

    @Inject
    RespServer server;

    Jedis connect(Tenant t) {
        Jedis jedis = new Jedis("127.0.0.1", server.port());
        jedis.auth(t.key());
        return jedis;
    }

    private static String error(Runnable command) {
        return assertThrows(JedisDataException.class, command::run).getMessage();
    }

    @Test
    void stringAndIncrEdgeCases() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            assertEquals("ERR invalid expire time in 'set' command", error(() -> r.set("foo", "bar", SetParams.setParams().ex(0))));
            assertEquals("ERR invalid expire time in 'set' command", error(() -> r.set("foo", "bar", SetParams.setParams().ex(-10))));
            assertEquals("ERR invalid expire time in 'set' command", error(() -> r.set("foo", "bar", SetParams.setParams().ex(10_000_000_000_000_000L))));
            assertEquals("ERR syntax error", error(() -> r.sendCommand(Protocol.Command.SET, "foo", "bar", "NX", "XX")));
            assertEquals("ERR syntax error", error(() -> r.sendCommand(Protocol.Command.SET, "foo", "bar", "EX", "10", "PX", "100")));
            assertEquals("ERR value is not an integer or out of range", error(() -> r.sendCommand(Protocol.Command.SET, "foo", "bar", "EX", "ten")));
            assertEquals("ERR invalid expire time in 'getex' command", error(() -> r.sendCommand(Protocol.Command.GETEX, "foo", "EX", "0")));
            assertEquals("ERR wrong number of arguments for 'mset' command", error(() -> r.sendCommand(Protocol.Command.MSET, "a", "1", "b")));
            r.set("novar", "    11");
            assertEquals("ERR value is not an integer or out of range", error(() -> r.incr("novar")));
            r.set("novar", "11    ");
            assertEquals("ERR value is not an integer or out of range", error(() -> r.incr("novar")));
            r.set("novar", "+1");
            assertEquals("ERR value is not an integer or out of range", error(() -> r.incr("novar")));
            r.set("big", "9223372036854775807");
            assertEquals("ERR increment or decrement would overflow", error(() -> r.incr("big")));
            assertEquals("ERR value is not an integer or out of range", error(() -> r.sendCommand(Protocol.Command.INCRBY, "x", "1.5")));
            assertEquals("ERR decrement would overflow", error(() -> r.sendCommand(Protocol.Command.DECRBY, "x", "-9223372036854775808")));
            r.set("fl", "1.5");
            assertEquals(3.0, r.incrByFloat("fl", 1.5));
            assertEquals("ERR value is not a valid float", error(() -> r.sendCommand(Protocol.Command.INCRBYFLOAT, "fl", "nan")));
            assertEquals("ERR increment would produce NaN or Infinity", error(() -> r.sendCommand(Protocol.Command.INCRBYFLOAT, "fl", "inf")));
            assertEquals("", r.getrange("nokey", 0, -1));
            r.set("s", "Hello World");
            assertEquals("Hello World", r.getrange("s", 0, -1));
            assertEquals("ld", r.getrange("s", -2, -1));
            assertEquals("", r.getrange("s", 5, 3));
            assertEquals("", r.getrange("s", -1, -5));
            assertEquals(0, r.setrange("nokey2", 0, ""));
            assertEquals(false, r.exists("nokey2"));
            assertEquals("ERR offset is out of range", error(() -> r.setrange("s", -1, "x")));
            r.set("e", "v", SetParams.setParams().px(50));
            sleep(150);
            assertEquals(1, r.setnx("e", "fresh"), "SETNX against an expired key writes");
            assertEquals(-1, r.ttl("e"));
        }
    }

    @Test
    void expireAndKeyspaceEdgeCases() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            r.set("x", "foobar");
            assertEquals("ERR invalid expire time in 'expire' command", error(() -> r.expire("x", 10_000_000_000_000_000L)));
            assertEquals("ERR invalid expire time in 'pexpire' command", error(() -> r.pexpire("x", 9_223_372_036_854_770_000L)));
            assertEquals("ERR invalid expire time in 'expire' command", error(() -> r.expire("x", Long.MIN_VALUE)));
            assertEquals("ERR Unsupported option XYZ", error(() -> r.sendCommand(Protocol.Command.EXPIRE, "x", "10", "XYZ")));
            assertEquals("ERR NX and XX, GT or LT options at the same time are not compatible",
                    error(() -> r.sendCommand(Protocol.Command.EXPIRE, "x", "10", "NX", "XX")));
            assertEquals("ERR GT and LT options at the same time are not compatible",
                    error(() -> r.sendCommand(Protocol.Command.EXPIRE, "x", "10", "GT", "LT")));
            assertEquals("foobar", r.get("x"), "a refused EXPIRE changes nothing");
            assertEquals(0, r.expire("x", -1, redis.clients.jedis.args.ExpiryOption.XX), "XX on a key without TTL: nothing, not even the delete");
            assertEquals("foobar", r.get("x"));
            assertEquals(1, r.pexpireAt("x", 1), "PEXPIREAT in the past deletes");
            assertNull(r.get("x"));
            r.set("x", "v");
            assertEquals(1, r.pexpire("x", 100));
            sleep(250);
            assertNull(r.get("x"));
            assertEquals(-2, r.ttl("x"));
            r.set("mv", "v", SetParams.setParams().ex(100));
            assertEquals("OK", r.rename("mv", "mv2"));
            assertTrue(r.ttl("mv2") > 90, "RENAME moves the TTL with the value");
            assertEquals("ERR source and destination objects are the same", error(() -> r.copy("mv2", "mv2", false)));
            assertEquals("OK", r.rename("mv2", "mv2"));
            assertEquals(0, r.renamenx("mv2", "mv2"));
            assertEquals("ERR syntax error", error(() -> r.sendCommand(Protocol.Command.SCAN, "0", "COUNT", "0")));
            assertEquals("ERR invalid cursor", error(() -> r.sendCommand(Protocol.Command.SCAN, "x")));
        }
    }

    @Test
    void concurrentIncrsSetNxAndSetGet() throws Exception {
        Tenant t = TestApi.signup();
        int n = 60;
        List<Jedis> conns = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            conns.add(connect(t));
        }
        ExecutorService pool = Executors.newFixedThreadPool(conns.size());
        try {
            List<Callable<Object>> incrs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Jedis c = conns.get(i % conns.size());
                incrs.add(() -> {
                    synchronized (c) {
                        return c.incr("counter");
                    }
                });
            }
            Set<Object> seen = new HashSet<>();
            for (Future<Object> f : pool.invokeAll(incrs)) {
                seen.add(f.get());
            }
            assertEquals(n, seen.size(), "each INCR saw its own value");
            assertEquals(String.valueOf(n), conns.get(0).get("counter"));

            List<Callable<Object>> locks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Jedis c = conns.get(i % conns.size());
                String mine = "owner-" + i;
                locks.add(() -> {
                    synchronized (c) {
                        return c.set("lock", mine, SetParams.setParams().nx().ex(60));
                    }
                });
            }
            int won = 0;
            for (Future<Object> f : pool.invokeAll(locks)) {
                won += "OK".equals(f.get()) ? 1 : 0;
            }
            assertEquals(1, won, "exactly one SET NX wins");

            List<Callable<Object>> swaps = new ArrayList<>();
            Set<String> written = new HashSet<>();
            for (int i = 0; i < n; i++) {
                Jedis c = conns.get(i % conns.size());
                String mine = "v" + i;
                written.add(mine);
                swaps.add(() -> {
                    synchronized (c) {
                        return c.setGet("swap", mine);
                    }
                });
            }
            List<Object> olds = new ArrayList<>();
            for (Future<Object> f : pool.invokeAll(swaps)) {
                olds.add(f.get());
            }
            assertEquals(1, olds.stream().filter(o -> o == null).count(), "only the first SET GET found no old value");
            List<Object> handedBack = new ArrayList<>(olds.stream().filter(o -> o != null).toList());
            handedBack.add(conns.get(0).get("swap"));
            assertEquals(written, new HashSet<>(handedBack), "every written value is handed back exactly once (or is the last)");
            assertEquals(n, handedBack.size());
        } finally {
            pool.shutdown();
            conns.forEach(Jedis::close);
        }
    }

    @Test
    void overTheRequestLimitIsAnErrorReplyNotADroppedConnection() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            var p = r.pipelined();
            List<redis.clients.jedis.Response<String>> answers = new ArrayList<>();
            for (int i = 0; i < 700; i++) {
                answers.add(p.get("k"));
            }
            p.sync();
            long refused = answers.stream().filter(a -> {
                try {
                    a.get();
                    return false;
                } catch (JedisDataException e) {
                    assertTrue(e.getMessage().contains("requests per minute"), e.getMessage());
                    return true;
                }
            }).count();
            assertTrue(refused > 0, "a pipeline of 700 commands counts as 700 requests (the plan allows 600 a minute)");
            assertEquals("PONG", r.ping(), "the connection stays open");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
