package dev.onebase.cache;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
public class CacheApiTest {

    static final String C = "/api/v1/cache/";

    /** Redis rounds TTL to the nearest second; a slow machine may take a second or two between the calls. */
    private static org.hamcrest.Matcher<Integer> near(int seconds) {
        return allOf(greaterThan(seconds - 4), lessThanOrEqualTo(seconds));
    }

    @Test
    void setGetDeleteKeepBytesAndContentType() {
        Tenant t = TestApi.signup();
        as(t).contentType("text/plain; charset=utf-8").body("héllo").put(C + "greeting").then().statusCode(204);
        as(t).get(C + "greeting").then().statusCode(200).contentType(startsWith("text/plain")).body(equalTo("héllo"));
        byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0xfe, 10};
        as(t).contentType("application/octet-stream").body(binary).put(C + "bin").then().statusCode(204);
        byte[] back = as(t).get(C + "bin").then().statusCode(200).contentType("application/octet-stream").extract().asByteArray();
        assertArrayEquals(binary, back);
        as(t).contentType(ContentType.JSON).body("{\"keys\":[\"greeting\",\"bin\",\"nope\",\"greeting\"]}").post(C + "_batch/exists")
                .then().statusCode(200).body("count", equalTo(3));
        as(t).delete(C + "greeting").then().statusCode(204);
        problem(as(t).get(C + "greeting").then(), 404, "No such key");
        problem(as(t).delete(C + "greeting").then(), 404, "No such key");
        // a key with spaces, a slash and non-ASCII, URL-encoded as one segment
        as(t).contentType("text/plain").body("x").put(C + "a%20b%2Fc-ü").then().statusCode(204);
        as(t).get(C + "a%20b%2Fc-ü").then().statusCode(200).body(equalTo("x"));
    }

    @Test
    void nxXxAndGetReturnTheOldValue() {
        Tenant t = TestApi.signup();
        problem(as(t).body("v0").queryParam("xx", true).put(C + "k").then(), 412, "does not exist");
        as(t).body("v1").queryParam("nx", true).put(C + "k").then().statusCode(204);
        problem(as(t).body("v2").queryParam("nx", true).put(C + "k").then(), 412, "exists");
        as(t).body("v3").queryParam("xx", true).queryParam("get", true).put(C + "k").then().statusCode(200).body(equalTo("v1"));
        as(t).body("v4").queryParam("get", true).put(C + "k").then().statusCode(200).body(equalTo("v3"));
        as(t).body("n1").queryParam("get", true).put(C + "fresh").then().statusCode(204);
        as(t).get(C + "k").then().body(equalTo("v4"));
    }

    @Test
    void expiryTtlKeepTtlExpireAndPersist() {
        Tenant t = TestApi.signup();
        as(t).get(C + "missing/ttl").then().statusCode(200).body("ttl", equalTo(-2)).body("pttl", equalTo(-2));
        as(t).body("x").put(C + "forever").then().statusCode(204);
        as(t).get(C + "forever/ttl").then().body("ttl", equalTo(-1)).body("pttl", equalTo(-1));
        as(t).body("x").queryParam("ex", 100).put(C + "k").then().statusCode(204);
        as(t).get(C + "k/ttl").then().body("ttl", near(100)).body("pttl", allOf(greaterThan(90_000), lessThanOrEqualTo(100_000)));
        as(t).body("y").queryParam("keepttl", true).put(C + "k").then().statusCode(204);
        as(t).get(C + "k/ttl").then().body("ttl", near(100));
        as(t).body("z").put(C + "k").then().statusCode(204);
        as(t).get(C + "k/ttl").then().body("ttl", equalTo(-1));
        // EXPIRE with modes, PERSIST
        as(t).queryParam("ex", 50).post(C + "k/expire").then().statusCode(200).body("applied", equalTo(true));
        as(t).queryParam("ex", 80).queryParam("mode", "nx").post(C + "k/expire").then().body("applied", equalTo(false));
        as(t).queryParam("ex", 80).queryParam("mode", "lt").post(C + "k/expire").then().body("applied", equalTo(false));
        as(t).queryParam("ex", 80).queryParam("mode", "gt").post(C + "k/expire").then().body("applied", equalTo(true));
        as(t).get(C + "k/ttl").then().body("ttl", near(80));
        as(t).post(C + "k/persist").then().body("applied", equalTo(true));
        as(t).post(C + "k/persist").then().body("applied", equalTo(false));
        as(t).get(C + "k/ttl").then().body("ttl", equalTo(-1));
        as(t).queryParam("ex", 5).post(C + "nope/expire").then().body("applied", equalTo(false));
        as(t).queryParam("px", 0).post(C + "k/expire").then().body("applied", equalTo(true));
        as(t).get(C + "k").then().statusCode(404);
        // expired entries are never returned, counted or scanned, and NX may take their place
        as(t).body("short").queryParam("px", 3000).put(C + "brief").then().statusCode(204);
        as(t).body("abs").queryParam("pxat", System.currentTimeMillis() + 3000).put(C + "brief2").then().statusCode(204);
        as(t).get(C + "brief").then().statusCode(200);
        as(t).get(C + "brief/ttl").then().body("pttl", allOf(greaterThan(0), lessThanOrEqualTo(3000)));
        as(t).get(C + "brief2/ttl").then().body("pttl", allOf(greaterThan(0), lessThanOrEqualTo(3000)));
        Db.passTime("cache_entries", Duration.ofMillis(3500), "tenant_id = ?", t.id());
        as(t).get(C + "brief").then().statusCode(404);
        as(t).get(C + "brief2").then().statusCode(404);
        as(t).get(C + "brief/ttl").then().body("ttl", equalTo(-2));
        as(t).contentType(ContentType.JSON).body("{\"keys\":[\"brief\"]}").post(C + "_batch/exists").then().body("count", equalTo(0));
        as(t).queryParam("prefix", "brief").get("/api/v1/cache").then().body("keys.size()", equalTo(0));
        as(t).body("again").queryParam("nx", true).put(C + "brief").then().statusCode(204);
        as(t).get(C + "brief/ttl").then().body("ttl", equalTo(-1));
    }

    @Test
    void incrDecrAreAtomicCreateKeysKeepTheTtlAndRefuseNonIntegers() {
        Tenant t = TestApi.signup();
        as(t).post(C + "n/incr").then().statusCode(200).body("value", equalTo(1));
        as(t).queryParam("by", 41).post(C + "n/incr").then().body("value", equalTo(42));
        as(t).queryParam("by", 50).post(C + "n/decr").then().body("value", equalTo(-8));
        as(t).get(C + "n").then().body(equalTo("-8"));
        as(t).post(C + "d/decr").then().body("value", equalTo(-1));
        as(t).queryParam("ex", 100).body("10").put(C + "withttl").then().statusCode(204);
        as(t).post(C + "withttl/incr").then().body("value", equalTo(11));
        as(t).get(C + "withttl/ttl").then().body("ttl", near(100));
        as(t).body("abc").put(C + "text").then().statusCode(204);
        problem(as(t).post(C + "text/incr").then(), 409, "not an integer");
        as(t).body(" 1").put(C + "spaced").then().statusCode(204);
        problem(as(t).post(C + "spaced/incr").then(), 409, "not an integer");
        as(t).body(Long.toString(Long.MAX_VALUE)).put(C + "big").then().statusCode(204);
        problem(as(t).post(C + "big/incr").then(), 409, "out of range");
        as(t).get(C + "big").then().body(equalTo(Long.toString(Long.MAX_VALUE)));
        problem(as(t).queryParam("by", "x").post(C + "n/incr").then(), 400, "by must be an integer");
    }

    @Test
    void hundredConcurrentIncrsEndAtExactlyHundred() throws Exception {
        Tenant t = TestApi.signup();
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(() -> as(t).post(C + "counter/incr").then().statusCode(200).extract().path("value"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Integer> seen = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(calls)) {
                seen.add(f.get());
            }
            assertEquals(100, seen.stream().distinct().count(), "every INCR saw its own value");
            assertEquals(100, seen.stream().mapToInt(Integer::intValue).max().orElseThrow());
        } finally {
            pool.shutdown();
        }
        as(t).get(C + "counter").then().body(equalTo("100"));
    }

    @Test
    void concurrentSetNxHasExactlyOneWinner() throws Exception {
        Tenant t = TestApi.signup();
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String mine = "writer-" + i;
            calls.add(() -> as(t).body(mine).queryParam("nx", true).put(C + "lock").then().extract().statusCode());
        }
        ExecutorService pool = Executors.newFixedThreadPool(15);
        try {
            int won = 0;
            int lost = 0;
            for (Future<Integer> f : pool.invokeAll(calls)) {
                int status = f.get();
                won += status == 204 ? 1 : 0;
                lost += status == 412 ? 1 : 0;
            }
            assertEquals(1, won);
            assertEquals(29, lost);
        } finally {
            pool.shutdown();
        }
        as(t).get(C + "lock").then().statusCode(200).body(startsWith("writer-"));
    }

    @Test
    void batchMgetMsetDelete() {
        Tenant t = TestApi.signup();
        String raw = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xc3, 0x28});
        as(t).contentType(ContentType.JSON).body("{\"entries\":[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"b\",\"valueBase64\":\"" + raw
                + "\"},{\"key\":\"c\",\"value\":\"3\",\"ttlMs\":100000},{\"key\":\"a\",\"value\":\"last wins\"}]}")
                .post(C + "_batch/set").then().statusCode(204);
        as(t).contentType(ContentType.JSON).body("{\"keys\":[\"a\",\"missing\",\"b\",\"c\"]}").post(C + "_batch/get").then().statusCode(200)
                .body("values[0].key", equalTo("a")).body("values[0].value", equalTo("last wins"))
                .body("values[1].key", equalTo("missing")).body("values[1].value", nullValue()).body("values[1].valueBase64", nullValue())
                .body("values[2].value", nullValue()).body("values[2].valueBase64", equalTo(raw))
                .body("values[3].value", equalTo("3"));
        as(t).get(C + "c/ttl").then().body("ttl", near(100));
        as(t).contentType(ContentType.JSON).body("{\"keys\":[\"a\",\"b\",\"missing\"]}").post(C + "_batch/delete").then().statusCode(200)
                .body("count", equalTo(2));
        as(t).contentType(ContentType.JSON).body("{\"keys\":[\"a\",\"b\",\"c\"]}").post(C + "_batch/exists").then().body("count", equalTo(1));
    }

    @Test
    void scanByPrefixPagesWithACursorAndFlushEmptiesTheNamespace() {
        Tenant t = TestApi.signup();
        List<String> expected = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"entries\":[");
        for (int i = 0; i < 25; i++) {
            String key = String.format("user:%03d", i);
            expected.add(key);
            body.append(i == 0 ? "" : ",").append("{\"key\":\"").append(key).append("\",\"value\":\"v\"}");
        }
        body.append(",{\"key\":\"user;x\",\"value\":\"v\"},{\"key\":\"other:1\",\"value\":\"v\"},{\"key\":\"use\",\"value\":\"v\"}]}");
        as(t).contentType(ContentType.JSON).body(body.toString()).post(C + "_batch/set").then().statusCode(204);
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var spec = as(t).queryParam("prefix", "user:").queryParam("count", 10);
            if (cursor != null) {
                spec.queryParam("cursor", cursor);
            }
            var r = spec.get("/api/v1/cache").then().statusCode(200).extract();
            seen.addAll(r.path("keys"));
            cursor = r.path("cursor");
            pages++;
        } while (cursor != null && pages < 10);
        assertEquals(expected, seen);
        assertEquals(3, pages);
        as(t).get("/api/v1/cache").then().body("keys.size()", equalTo(28));
        as(t).delete("/api/v1/cache").then().statusCode(200).body("count", equalTo(28));
        as(t).get("/api/v1/cache").then().body("keys.size()", equalTo(0)).body("cursor", nullValue());
    }

    @Test
    void badInputIsAProblem() {
        Tenant t = TestApi.signup();
        problem(as(t).body("x").queryParam("ex", 0).put(C + "k").then(), 400, "positive");
        problem(as(t).body("x").queryParam("ex", 1).queryParam("px", 1000).put(C + "k").then(), 400, "at most one");
        problem(as(t).body("x").queryParam("ex", 1).queryParam("keepttl", true).put(C + "k").then(), 400, "at most one");
        problem(as(t).body("x").queryParam("nx", true).queryParam("xx", true).put(C + "k").then(), 400, "nx and xx");
        problem(as(t).body("x").queryParam("ex", "soon").put(C + "k").then(), 400, "ex must be an integer");
        problem(as(t).body("x").put(C + "_batch").then(), 400, "reserved");
        problem(as(t).queryParam("count", 0).get("/api/v1/cache").then(), 400, "count must be between");
        problem(as(t).queryParam("count", 5000).get("/api/v1/cache").then(), 400, "count must be between");
        problem(as(t).queryParam("cursor", "!!!").get("/api/v1/cache").then(), 400, "cursor");
        problem(as(t).post(C + "k/expire").then(), 400, "exactly one of ex");
        problem(as(t).queryParam("ex", 5).queryParam("mode", "sometimes").post(C + "k/expire").then(), 400, "mode");
        problem(as(t).contentType(ContentType.JSON).body("{\"keys\":[]}").post(C + "_batch/get").then(), 400, "non-empty");
        problem(as(t).contentType(ContentType.JSON).body("{\"keys\":[null]}").post(C + "_batch/delete").then(), 400, "null");
        problem(as(t).contentType(ContentType.JSON).body("{\"entries\":[]}").post(C + "_batch/set").then(), 400, "non-empty");
        problem(as(t).contentType(ContentType.JSON).body("{\"entries\":[{\"key\":\"a\"}]}").post(C + "_batch/set").then(), 400,
                "exactly one of value");
        problem(as(t).contentType(ContentType.JSON).body("{\"entries\":[{\"key\":\"a\",\"valueBase64\":\"%%%\"}]}").post(C + "_batch/set")
                .then(), 400, "not base64");
        problem(as(t).contentType(ContentType.JSON).body("{\"entries\":[{\"key\":\"a\",\"value\":\"1\",\"ttlMs\":-5}]}")
                .post(C + "_batch/set").then(), 400, "ttlMs");
        problem(as(t).contentType(ContentType.JSON).body("{\"keys\":[\"a\"],\"extra\":1}").post(C + "_batch/get").then(), 400, "extra");
        problem(as(t).contentType(ContentType.JSON).body("{\"keys\":").post(C + "_batch/get").then(), 400, "");
        StringBuilder many = new StringBuilder("{\"keys\":[");
        for (int i = 0; i < 1001; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append('"');
        }
        problem(as(t).contentType(ContentType.JSON).body(many + "]}").post(C + "_batch/get").then(), 400, "At most 1000");
        // read-only keys cannot write
        String readOnly = as(t).contentType(ContentType.JSON).body("{\"scopes\":[\"read\"]}").post("/api/v1/keys").then().statusCode(201)
                .extract().path("secret");
        problem(as(new Tenant(t.id(), t.slug(), readOnly)).body("x").put(C + "k").then(), 403, "'write' scope");
        problem(io.restassured.RestAssured.given().get(C + "k").then(), 401, "API key");
    }
}
