package dev.onebase.cache;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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

/** Where the HTTP cache used to part from Redis 7 (issue 13), each as Redis 7 documents and tests it. */
@QuarkusTest
class CacheRedisSemanticsTest {

    static final String C = "/api/v1/cache/";

    @Test
    void expireWithATtlOfZeroOrLessObeysTheMode() {
        Tenant t = TestApi.signup();
        as(t).body("v").put(C + "plain").then().statusCode(204);
        as(t).body("v").queryParam("ex", 100).put(C + "timed").then().statusCode(204);
        // NX on a key with a TTL, XX and GT on a key without: the mode refuses, nothing is deleted
        as(t).queryParam("ex", -1).queryParam("mode", "nx").post(C + "timed/expire").then().body("applied", equalTo(false));
        as(t).queryParam("ex", 0).queryParam("mode", "xx").post(C + "plain/expire").then().body("applied", equalTo(false));
        as(t).queryParam("px", -5).queryParam("mode", "gt").post(C + "plain/expire").then().body("applied", equalTo(false));
        as(t).queryParam("px", -5).queryParam("mode", "gt").post(C + "timed/expire").then().body("applied", equalTo(false));
        as(t).queryParam("ex", -1).queryParam("mode", "sometimes").post(C + "plain/expire").then().statusCode(400);
        as(t).get(C + "plain").then().statusCode(200);
        as(t).get(C + "timed").then().statusCode(200);
        // LT with a past expiry is lower than any: deleted
        as(t).queryParam("ex", -1).queryParam("mode", "lt").post(C + "timed/expire").then().body("applied", equalTo(true));
        as(t).get(C + "timed").then().statusCode(404);
        as(t).queryParam("ex", "-9223372036854775").queryParam("mode", "xx").post(C + "plain/expire").then().body("applied", equalTo(false));
        as(t).queryParam("ex", 0).post(C + "plain/expire").then().body("applied", equalTo(true));
        as(t).get(C + "plain").then().statusCode(404);
    }

    @Test
    void flushCountsOnlyLiveKeys() {
        Tenant t = TestApi.signup();
        as(t).body("v").put(C + "live").then().statusCode(204);
        as(t).body("v").queryParam("px", 1000).put(C + "gone").then().statusCode(204);
        Db.passTime("cache_entries", Duration.ofSeconds(2), "tenant_id = ? and key = 'gone'", t.id());
        as(t).delete("/api/v1/cache").then().statusCode(200).body("count", equalTo(1));
    }

    @Test
    void concurrentMsetsOnOverlappingKeysNeverDeadlock() throws Exception {
        Tenant t = TestApi.signup();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add("k" + i);
        }
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int c = 0; c < 24; c++) {
            List<String> mine = new ArrayList<>(keys);
            Collections.shuffle(mine);
            StringBuilder body = new StringBuilder("{\"entries\":[");
            for (int i = 0; i < mine.size(); i++) {
                body.append(i == 0 ? "" : ",").append("{\"key\":\"").append(mine.get(i)).append("\",\"value\":\"").append(c).append("\"}");
            }
            String json = body.append("]}").toString();
            calls.add(() -> as(t).contentType(ContentType.JSON).body(json).post(C + "_batch/set").then().extract().statusCode());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (Future<Integer> f : pool.invokeAll(calls)) {
                assertEquals(204, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void flagsTakeTheirDocumentedFormsOrAre400() {
        Tenant t = TestApi.signup();
        as(t).body("holder").queryParam("nx", "1").put(C + "lock").then().statusCode(204);
        problem(as(t).body("thief").queryParam("nx", "1").put(C + "lock").then(), 412, "exists");
        problem(as(t).body("thief").queryParam("nx", "yes").put(C + "lock").then(), 412, "exists");
        problem(as(t).body("thief").queryParam("nx", "TRUE").put(C + "lock").then(), 412, "exists");
        problem(as(t).body("thief").queryParam("xx", "1").put(C + "absent").then(), 412, "does not exist");
        problem(as(t).body("thief").queryParam("nx", "sure").put(C + "lock").then(), 400, "nx");
        as(t).get(C + "lock").then().statusCode(200).body(equalTo("holder"));
        as(t).body("free").queryParam("nx", "0").put(C + "lock").then().statusCode(204);
    }

    @Test
    void unknownAndRepeatedParametersAre400() {
        Tenant t = TestApi.signup();
        as(t).body("v").queryParam("ex", 100).put(C + "k").then().statusCode(204);
        problem(as(t).queryParam("persist", true).body("v").put(C + "k").then(), 400, "persist");
        problem(as(t).body("v").queryParam("nx", true).queryParam("nx", false).put(C + "k").then(), 400, "more than once");
        problem(as(t).body("v").queryParam("ex", 5).queryParam("ex", 500).put(C + "k").then(), 400, "more than once");
        problem(as(t).queryParam("ex", 5).queryParam("mod", "nx").post(C + "k/expire").then(), 400, "mod");
        problem(as(t).queryParam("by", 5).queryParam("by", 6).post(C + "n/incr").then(), 400, "more than once");
        problem(as(t).queryParam("really", "yes").delete("/api/v1/cache").then(), 400, "really");
        as(t).get(C + "k").then().statusCode(200);
    }

    @Test
    void setNxGetOnAnExistingKeyReturnsTheOldValueAndWritesNothing() {
        Tenant t = TestApi.signup();
        as(t).body("first").put(C + "k").then().statusCode(204);
        as(t).body("second").queryParam("nx", true).queryParam("get", true).put(C + "k").then().statusCode(200)
                .header("Cache-Written", "false").body(equalTo("first"));
        as(t).get(C + "k").then().body(equalTo("first"));
        as(t).body("third").queryParam("xx", true).queryParam("get", true).put(C + "absent").then().statusCode(204)
                .header("Cache-Written", "false");
        as(t).get(C + "absent").then().statusCode(404);
        as(t).body("fourth").queryParam("get", true).put(C + "k").then().statusCode(200).header("Cache-Written", "true")
                .body(equalTo("first"));
    }
}
