package dev.onebase.resp;

import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/** The RESP port with Jedis, as an application would use it: strings, keys, pipelines, AUTH and scopes. */
@QuarkusTest
class RespJedisTest {

    @Inject
    RespServer server;

    Jedis connect(Tenant t) {
        Jedis jedis = new Jedis("127.0.0.1", server.port());
        jedis.auth(t.key());
        return jedis;
    }

    @Test
    void stringsAsRedisAnswersThem() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            assertEquals("PONG", r.ping());
            assertEquals("OK", r.set("k", "v1"));
            assertEquals("v1", r.get("k"));
            assertNull(r.get("missing"));
            assertNull(r.set("k", "x", SetParams.setParams().nx()));
            assertEquals("v1", r.setGet("k", "v2", SetParams.setParams().nx()), "SET NX GET hands back the old value and writes nothing");
            assertEquals("v1", r.get("k"));
            assertEquals("v1", r.setGet("k", "v2"));
            assertNull(r.set("absent", "x", SetParams.setParams().xx()));
            assertEquals("OK", r.set("k", "v3", SetParams.setParams().xx().ex(100)));
            assertTrue(r.ttl("k") > 90);
            assertEquals("OK", r.set("k", "v4", SetParams.setParams().keepTtl()));
            assertTrue(r.ttl("k") > 90);
            assertEquals(1, r.setnx("n1", "a"));
            assertEquals(0, r.setnx("n1", "b"));
            assertEquals("OK", r.setex("e", 50, "x"));
            assertTrue(r.pttl("e") > 40_000);
            assertEquals("OK", r.psetex("pe", 5000, "x"));
            assertEquals("v4", r.getSet("k", "v5"));
            assertEquals("v5", r.getDel("k"));
            assertNull(r.get("k"));
            r.set("gx", "1");
            assertEquals("1", r.getEx("gx", GetExParams.getExParams().ex(30)));
            assertTrue(r.ttl("gx") > 20);
            assertEquals("1", r.getEx("gx", GetExParams.getExParams().persist()));
            assertEquals(-1, r.ttl("gx"));
            assertEquals("OK", r.mset("a", "1", "b", "2", "a", "3"));
            assertEquals(List.of("3", "2"), r.mget("a", "b"));
            assertEquals(java.util.Arrays.asList("3", null), r.mget("a", "nope"));
            assertEquals(0, r.msetnx("a", "x", "fresh", "y"));
            assertNull(r.get("fresh"));
            assertEquals(1, r.msetnx("fresh", "y", "fresh2", "z"));
            assertEquals(4, r.incr("a"));
            assertEquals(3, r.decr("a"));
            assertEquals(13, r.incrBy("a", 10));
            assertEquals(3, r.decrBy("a", 10));
            assertEquals(10.5, r.incrByFloat("f", 10.5));
            assertEquals("10.6", new String((byte[]) r.sendCommand(redis.clients.jedis.Protocol.Command.INCRBYFLOAT, "f", "0.1")));
            assertEquals(5, r.append("s", "Hello"));
            assertEquals(11, r.append("s", " World"));
            assertEquals(11, r.strlen("s"));
            assertEquals(0, r.strlen("nope"));
            assertEquals("World", r.getrange("s", -5, -1));
            assertEquals("Hello", r.getrange("s", 0, 4));
            assertEquals("", r.getrange("s", 100, 200));
            assertEquals(11, r.setrange("s", 6, "Redis"));
            assertEquals("Hello Redis", r.get("s"));
            assertEquals(8, r.setrange("pad", 5, "abc"));
            assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 'a', 'b', 'c'}, r.get("pad".getBytes()));
            JedisDataException notInt = assertThrows(JedisDataException.class, () -> r.incr("s"));
            assertEquals("ERR value is not an integer or out of range", notInt.getMessage());
            byte[] binary = {0, 1, (byte) 0xff, 10, 13};
            r.set("bin".getBytes(), binary);
            assertArrayEquals(binary, r.get("bin".getBytes()));
        }
    }

    @Test
    void keysExpiryScanRenameCopyAndFlush() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            r.mset("a", "1", "b", "2", "c", "3");
            assertEquals(3, r.exists("a", "b", "c", "zz"));
            assertEquals(2, r.del("a", "b", "nope"));
            assertEquals(1, r.unlink("c"));
            r.set("k", "v");
            assertEquals(-1, r.ttl("k"));
            assertEquals(-2, r.ttl("nope"));
            assertEquals(1, r.expire("k", 100));
            assertEquals(0, r.expire("k", 200, redis.clients.jedis.args.ExpiryOption.NX));
            assertEquals(1, r.expire("k", 200, redis.clients.jedis.args.ExpiryOption.GT));
            assertEquals(0, r.expire("k", 50, redis.clients.jedis.args.ExpiryOption.GT));
            assertTrue(r.ttl("k") > 190);
            long at = System.currentTimeMillis() / 1000 + 500;
            assertEquals(1, r.expireAt("k", at));
            assertEquals(at, r.expireTime("k"));
            assertEquals(at * 1000, r.pexpireTime("k"));
            assertEquals(1, r.persist("k"));
            assertEquals(0, r.persist("k"));
            assertEquals(-1, r.expireTime("k"));
            assertEquals(1, r.pexpire("k", 0));
            assertNull(r.get("k"));
            r.set("k", "v");
            assertEquals("string", r.type("k"));
            assertEquals("none", r.type("nope"));
            Set<String> all = new HashSet<>();
            for (int i = 0; i < 57; i++) {
                r.set("user:" + i, "x");
                all.add("user:" + i);
            }
            r.set("other", "x");
            Set<String> seen = new HashSet<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            int pages = 0;
            do {
                ScanResult<String> page = r.scan(cursor, new ScanParams().match("user:*").count(10));
                seen.addAll(page.getResult());
                cursor = page.getCursor();
                pages++;
            } while (!cursor.equals("0"));
            assertEquals(all, seen);
            assertTrue(pages >= 5, "COUNT 10 pages through 59 keys in several pages");
            Set<String> teens = new HashSet<>();
            for (int i = 10; i < 20; i++) {
                teens.add("user:" + i);
            }
            assertEquals(teens, new HashSet<>(r.keys("user:1?")));
            assertEquals(11, r.keys("user:1*").size());
            assertEquals("OK", r.rename("k", "k2"));
            assertNull(r.get("k"));
            assertEquals("v", r.get("k2"));
            JedisDataException noKey = assertThrows(JedisDataException.class, () -> r.rename("k", "k3"));
            assertEquals("ERR no such key", noKey.getMessage());
            assertEquals(0, r.renamenx("k2", "other"));
            assertEquals(1, r.renamenx("k2", "k3"));
            assertTrue(r.copy("k3", "k4", false));
            assertFalse(r.copy("k3", "k4", false));
            r.set("k3", "newer");
            assertTrue(r.copy("k3", "k4", true));
            assertEquals("newer", r.get("k4"));
            assertEquals(60, r.dbSize());
            assertEquals("OK", r.flushDB());
            assertEquals(0, r.dbSize());
        }
    }

    @Test
    void aKeySetOverRespIsTheSameEntryOverHttp() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            r.set("shared", "from resp");
            as(t).get("/api/v1/cache/shared").then().statusCode(200).body(equalTo("from resp"));
            as(t).contentType("text/plain").body("from http").put("/api/v1/cache/back").then().statusCode(204);
            assertEquals("from http", r.get("back"));
        }
    }

    @Test
    void pipelinesAreAnsweredInOrder() {
        Tenant t = TestApi.signup();
        try (Jedis r = connect(t)) {
            Pipeline p = r.pipelined();
            List<Response<?>> answers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                answers.add(p.set("p" + i, "v" + i));
                answers.add(p.get("p" + i));
                answers.add(p.incr("counter"));
                answers.add(p.get("p" + (i / 2)));
            }
            p.sync();
            for (int i = 0; i < 100; i++) {
                assertEquals("OK", answers.get(4 * i).get());
                assertEquals("v" + i, answers.get(4 * i + 1).get());
                assertEquals((long) i + 1, answers.get(4 * i + 2).get());
                assertEquals("v" + (i / 2), answers.get(4 * i + 3).get());
            }
        }
    }

    @Test
    void authenticationScopesAndErrors() {
        Tenant t = TestApi.signup();
        try (Jedis anonymous = new Jedis("127.0.0.1", server.port())) {
            assertEquals("PONG", anonymous.ping());
            JedisDataException noAuth = assertThrows(JedisDataException.class, () -> anonymous.get("k"));
            assertTrue(noAuth.getMessage().startsWith("NOAUTH"), noAuth.getMessage());
            JedisDataException wrong = assertThrows(JedisDataException.class, () -> anonymous.auth("obk_not-a-key"));
            assertTrue(wrong.getMessage().startsWith("WRONGPASS"), wrong.getMessage());
            assertEquals("OK", anonymous.auth("default", t.key()));
            assertEquals("OK", anonymous.set("k", "v"));
        }
        String readOnly = as(t).contentType(ContentType.JSON).body("{\"name\":\"ro\",\"scopes\":[\"read\"]}").post("/api/v1/keys")
                .then().statusCode(201).extract().path("secret");
        try (Jedis r = new Jedis("127.0.0.1", server.port())) {
            r.auth(readOnly);
            assertEquals("v", r.get("k"));
            JedisDataException noPerm = assertThrows(JedisDataException.class, () -> r.set("k", "w"));
            assertTrue(noPerm.getMessage().startsWith("NOPERM"), noPerm.getMessage());
            JedisDataException unknown = assertThrows(JedisDataException.class,
                    () -> r.sendCommand(() -> "FOO".getBytes(), "a", "b"));
            assertEquals("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ", unknown.getMessage());
            JedisDataException arity = assertThrows(JedisDataException.class, () -> r.sendCommand(redis.clients.jedis.Protocol.Command.GET));
            assertEquals("ERR wrong number of arguments for 'get' command", arity.getMessage());
            assertEquals("OK", r.select(0));
            assertThrows(JedisDataException.class, () -> r.select(1));
        }
    }

    @Test
    void twoTenantsWithTheSameKeyNamesNeverMeet() {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        try (Jedis ra = connect(a); Jedis rb = connect(b)) {
            ra.set("same", "a");
            rb.set("same", "b");
            assertEquals("a", ra.get("same"));
            assertEquals("b", rb.get("same"));
            assertEquals(1, ra.dbSize());
            rb.flushAll();
            assertEquals("a", ra.get("same"));
            assertEquals(Set.of("same"), ra.keys("*"));
            assertEquals(Set.of(), rb.keys("*"));
        }
    }
}
