package dev.onebase.resp;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;

/** Hashes (with WRONGTYPE between kinds) and MULTI/EXEC/WATCH, with Jedis and Lettuce. */
@QuarkusTest
class RespHashesAndTransactionsTest {

    static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

    @Inject
    RespServer server;

    static String text(Object reply) {
        return new String((byte[]) reply, java.nio.charset.StandardCharsets.UTF_8);
    }

    Jedis connect(Tenant t) {
        Jedis jedis = new Jedis("127.0.0.1", server.port());
        jedis.auth(t.key());
        return jedis;
    }

    @Test
    void hashesAsRedisAnswersThem() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            assertEquals(2, r.hset("h", Map.of("a", "1", "b", "2")));
            assertEquals(0, r.hset("h", "a", "one"), "an existing field is replaced, not added");
            assertEquals("one", r.hget("h", "a"));
            assertNull(r.hget("h", "zz"));
            assertNull(r.hget("nohash", "a"));
            assertEquals(java.util.Arrays.asList("one", null, "2", "one"), r.hmget("h", "a", "x", "b", "a"));
            assertEquals(Map.of("a", "one", "b", "2"), r.hgetAll("h"));
            assertEquals(Map.of(), r.hgetAll("nohash"));
            assertEquals(Set.of("a", "b"), r.hkeys("h"));
            assertEquals(Set.of("one", "2"), Set.copyOf(r.hvals("h")));
            assertEquals(2, r.hlen("h"));
            assertEquals(0, r.hlen("nohash"));
            assertTrue(r.hexists("h", "a"));
            assertFalse(r.hexists("h", "q"));
            assertEquals(3, r.hstrlen("h", "a"));
            assertEquals(0, r.hstrlen("h", "q"));
            assertEquals(0, r.hsetnx("h", "a", "x"));
            assertEquals(1, r.hsetnx("h", "c", "3"));
            assertEquals(13, r.hincrBy("h", "c", 10));
            assertEquals(-5, r.hincrBy("h", "new", -5));
            assertEquals(10.5, r.hincrByFloat("h", "f", 10.5));
            assertEquals(10.6, r.hincrByFloat("h", "f", 0.1), 1e-9);
            JedisDataException notInt = assertThrows(JedisDataException.class, () -> r.hincrBy("h", "a", 1));
            assertEquals("ERR hash value is not an integer", notInt.getMessage());
            r.hset("h", "big", Long.toString(Long.MAX_VALUE));
            assertEquals("ERR increment or decrement would overflow",
                    assertThrows(JedisDataException.class, () -> r.hincrBy("h", "big", 1)).getMessage());
            assertEquals("ERR hash value is not a float",
                    assertThrows(JedisDataException.class, () -> r.hincrByFloat("h", "a", 1)).getMessage());
            var page = r.hscan("h", ScanParams.SCAN_POINTER_START, new ScanParams().match("b*"));
            assertEquals("0", page.getCursor());
            assertEquals(Set.of("b", "big"), Set.copyOf(page.getResult().stream().map(Map.Entry::getKey).toList()));
            assertEquals(2, r.hdel("h", "a", "b", "nope"));
            assertEquals(0, r.hdel("nohash", "a"));

            // the key commands treat a hash as one key
            assertEquals("hash", r.type("h"));
            assertEquals(1, r.expire("h", 100));
            assertTrue(r.ttl("h") > 90);
            r.hset("h", "later", "x");
            assertTrue(r.ttl("h") > 90, "HSET keeps the hash's expiry");
            assertEquals("OK", r.rename("h", "h2"));
            assertEquals("x", r.hget("h2", "later"));
            assertTrue(r.copy("h2", "h3", false));
            assertEquals(r.hgetAll("h2"), r.hgetAll("h3"));
            r.set("s", "v");
            var hashes = r.scan(ScanParams.SCAN_POINTER_START, new ScanParams().count(1000), "hash").getResult();
            assertEquals(Set.of("h2", "h3"), Set.copyOf(hashes));
            var strings = r.scan(ScanParams.SCAN_POINTER_START, new ScanParams().count(1000), "string").getResult();
            assertEquals(List.of("s"), strings);

            // the last field deleted deletes the key
            r.hset("one", "f", "v");
            assertEquals(1, r.hdel("one", "f"));
            assertEquals("none", r.type("one"));
            assertFalse(r.exists("one"));
            assertEquals(2, r.del("h2", "h3"));
            assertFalse(r.exists("h2"));
        }
    }

    @Test
    void wrongTypeBetweenStringsAndHashes() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            r.set("str", "10");
            r.hset("hash", "f", "1");
            for (Runnable onHash : List.<Runnable>of(() -> r.get("hash"), () -> r.incr("hash"), () -> r.append("hash", "x"),
                    () -> r.strlen("hash"), () -> r.getrange("hash", 0, 1), () -> r.getDel("hash"), () -> r.getSet("hash", "x"),
                    () -> r.setrange("hash", 0, "x"), () -> r.incrByFloat("hash", 1), () -> r.setGet("hash", "x"))) {
                assertEquals(WRONGTYPE, assertThrows(JedisDataException.class, onHash::run).getMessage());
            }
            for (Runnable onString : List.<Runnable>of(() -> r.hget("str", "f"), () -> r.hset("str", "f", "v"), () -> r.hgetAll("str"),
                    () -> r.hlen("str"), () -> r.hdel("str", "f"), () -> r.hincrBy("str", "f", 1), () -> r.hexists("str", "f"))) {
                assertEquals(WRONGTYPE, assertThrows(JedisDataException.class, onString::run).getMessage());
            }
            assertEquals("1", r.hget("hash", "f"), "a refused GETDEL deletes nothing");
            assertEquals(java.util.Arrays.asList("10", null), r.mget("str", "hash"), "MGET answers nil for a hash, as Redis");
            assertEquals("string", r.type("str"));
            assertEquals("OK", r.set("hash", "now a string"), "SET replaces a value of any kind");
            assertEquals("string", r.type("hash"));
            assertEquals("now a string", r.get("hash"));
            // over HTTP too: a hash is not a string value
            as(t).get("/api/v1/cache/{k}", "str").then().statusCode(200);
            r.hset("h2", "f", "v");
            as(t).get("/api/v1/cache/{k}", "h2").then().statusCode(409).contentType("application/problem+json");
        }
    }

    @Test
    void multiExecIsOneTransaction() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t); Jedis other = connect(t)) {
            r.set("counter", "1");
            Transaction tx = r.multi();
            Response<Long> incr = tx.incr("counter");
            Response<String> set = tx.set("k", "v");
            Response<Long> hset = tx.hset("h", "f", "v");
            assertNull(other.get("k"), "queued commands do not run before EXEC");
            List<Object> results = tx.exec();
            assertEquals(3, results.size());
            assertEquals(2L, incr.get());
            assertEquals("OK", set.get());
            assertEquals(1L, hset.get());
            assertEquals("v", other.get("k"));

            // a command failing at run time answers its error; the others still take effect (Redis's rule)
            Transaction tx2 = r.multi();
            tx2.set("a", "1");
            tx2.incr("h"); // WRONGTYPE at run time
            tx2.set("b", "2");
            List<Object> mixed = tx2.exec();
            assertEquals("OK", mixed.get(0));
            assertTrue(mixed.get(1) instanceof JedisDataException && ((JedisDataException) mixed.get(1)).getMessage().startsWith("WRONGTYPE"));
            assertEquals("OK", mixed.get(2));
            assertEquals(List.of("1", "2"), other.mget("a", "b"));

            // an error while queuing discards the whole transaction
            assertEquals("OK", text(r.sendCommand(Command.MULTI)));
            assertEquals("QUEUED", text(r.sendCommand(Command.SET, "x", "1")));
            assertThrows(JedisDataException.class, () -> r.sendCommand(Command.GET)); // wrong arity
            assertEquals("EXECABORT Transaction discarded because of previous errors.",
                    assertThrows(JedisDataException.class, () -> r.sendCommand(Command.EXEC)).getMessage());
            assertNull(other.get("x"));

            // DISCARD
            Transaction tx3 = r.multi();
            tx3.set("d", "1");
            assertEquals("OK", tx3.discard());
            assertNull(r.get("d"));
            assertEquals("ERR EXEC without MULTI", assertThrows(JedisDataException.class, () -> r.sendCommand(Command.EXEC)).getMessage());
        }
    }

    @Test
    void watchedKeyChangedByAnyoneMakesExecNil() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t); Jedis other = connect(t)) {
            r.set("w", "1");
            r.watch("w");
            other.set("w", "2");
            Transaction tx = r.multi();
            tx.set("w", "mine");
            assertNull(tx.exec(), "changed over RESP by another connection: EXEC answers nil");
            assertEquals("2", r.get("w"));

            // changed over HTTP
            r.watch("w");
            as(t).contentType(ContentType.TEXT).body("3").put("/api/v1/cache/{k}", "w").then().statusCode(204);
            Transaction tx2 = r.multi();
            tx2.set("w", "mine");
            assertNull(tx2.exec());
            assertEquals("3", r.get("w"));

            // a missing key that appears
            r.watch("fresh");
            other.hset("fresh", "f", "v");
            Transaction tx3 = r.multi();
            tx3.set("x", "1");
            assertNull(tx3.exec());
            assertNull(r.get("x"));

            // unchanged: EXEC runs; after EXEC nothing is watched any more
            r.watch("w");
            Transaction tx4 = r.multi();
            tx4.set("w", "mine");
            assertEquals(List.of("OK"), tx4.exec());
            other.set("w", "later");
            Transaction tx5 = r.multi();
            tx5.get("w");
            assertEquals(List.of("later"), tx5.exec());

            // UNWATCH
            r.watch("w");
            other.set("w", "again");
            assertEquals("OK", r.unwatch());
            Transaction tx6 = r.multi();
            tx6.get("w");
            assertEquals(List.of("again"), tx6.exec());
        }
    }

    @Test
    void lettuceTransactionsAndWatch() {
        Tenant t = TestApi.signup();
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
                .withAuthentication("default", t.key()).build());
        try (StatefulRedisConnection<String, String> conn = client.connect();
                StatefulRedisConnection<String, String> otherConn = client.connect()) {
            RedisCommands<String, String> r = conn.sync();
            RedisCommands<String, String> other = otherConn.sync();
            r.set("balance", "100");
            r.multi();
            r.decrby("balance", 30);
            r.hset("audit", "last", "-30");
            TransactionResult result = r.exec();
            assertFalse(result.wasDiscarded());
            assertEquals(70L, (Long) result.get(0));
            assertEquals(Boolean.TRUE, result.get(1));
            assertEquals("-30", other.hget("audit", "last"));

            r.watch("balance");
            other.incrby("balance", 5);
            r.multi();
            r.decrby("balance", 30);
            assertTrue(r.exec().wasDiscarded(), "the watched key changed: EXEC answers nil");
            assertEquals("75", r.get("balance"));
        } finally {
            client.shutdown();
        }
    }
}
