package dev.onebase.cache;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The cache GET is served from the HTTP router, outside JAX-RS: it must still answer exactly like every other API
 * route (problems, request id, rate-limit headers, scopes), and stay visible in the metrics and the OpenAPI document.
 */
@QuarkusTest
class CacheGetRouteTest {

    @Test
    void getAndHeadAnswerLikeEveryOtherRoute() {
        Tenant t = TestApi.signup();
        as(t).contentType("application/json").body("{\"a\":1}").put("/api/v1/cache/doc").then().statusCode(204);
        as(t).header("X-Request-Id", "trace-123").get("/api/v1/cache/doc").then().statusCode(200)
                .contentType("application/json").body(equalTo("{\"a\":1}"))
                .header("X-Request-Id", "trace-123")
                .header("RateLimit-Policy", "\"requests\";q=600;w=60")
                .header("RateLimit", matchesPattern("\"requests\";r=\\d+;t=\\d+"));
        as(t).head("/api/v1/cache/doc").then().statusCode(200).header("Content-Length", "7").body(emptyString());
        // a URL-encoded key is one key, decoded
        as(t).body("slash").put("/api/v1/cache/a%2Fb").then().statusCode(204);
        as(t).get("/api/v1/cache/a%2Fb").then().statusCode(200).body(equalTo("slash"));
    }

    @Test
    void badRequestsGetProblems() {
        Tenant t = TestApi.signup();
        problem(as(t).get("/api/v1/cache/missing").then(), 404, "No such key").header("RateLimit", notNullValue())
                .header("X-Request-Id", notNullValue());
        problem(as(t).get("/api/v1/cache/_batch").then(), 400, "reserved");
        problem(given().get("/api/v1/cache/doc").then(), 401, "API key");
        problem(given().header("Authorization", "Bearer ob_nonsense").get("/api/v1/cache/doc").then(), 401, "malformed");
        String forged = "ob_" + t.id().toString().replace("-", "") + "_" + "A".repeat(43);
        problem(given().header("Authorization", "Bearer " + forged).get("/api/v1/cache/doc").then(), 401, "unknown");
    }

    @Test
    void aKeyWithoutTheReadScopeIsRefused() {
        Tenant t = TestApi.signup();
        String writeOnly = as(t).contentType("application/json").body("{\"name\":\"w\",\"scopes\":[\"write\"]}").post("/api/v1/keys")
                .then().statusCode(201).extract().path("secret");
        problem(given().header("Authorization", "Bearer " + writeOnly).get("/api/v1/cache/doc").then(), 403, "'read' scope");
    }

    @Test
    void metricsNameTheRouteNotTheKeyAndOpenApiListsIt() {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/cache/some-unique-key-4711").then().statusCode(404);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("uri=\"/api/v1/cache/{key}\""))
                .body(not(containsString("some-unique-key-4711")));
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/cache/{key}"))
                .body(containsString("CacheGetRoute_get"))
                .body(containsString("/api/v1/files/{id}/content"));
    }

    /**
     * GETs share a few pipelined connections, so nothing that can wait may go there: a SET stuck behind another
     * session's row lock holds up its own request only, never other tenants' GETs.
     */
    @Test
    void aSetWaitingOnALockNeverHoldsUpGets() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        as(a).body("1").put("/api/v1/cache/busy").then().statusCode(204);
        as(b).body("2").put("/api/v1/cache/free").then().statusCode(204);
        as(b).get("/api/v1/cache/free").then().statusCode(200);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (java.sql.Connection c = Db.superuser()) {
            c.setAutoCommit(false);
            Db.exec(c, "select 1 from cache_entries where tenant_id = ? and key = 'busy' for update", a.id());
            java.util.concurrent.Future<Integer> stuck = pool.submit(() -> as(a).body("3").put("/api/v1/cache/busy").then().extract().statusCode());
            Eventually.until("the SET to wait for the row lock", () -> Db.count(
                    "select count(*) from pg_stat_activity where usename = ? and wait_event_type = 'Lock'", Db.appRole()) > 0);
            long started = System.nanoTime();
            for (int i = 0; i < 40; i++) {
                java.util.concurrent.Future<Integer> get = pool.submit(() -> as(b).get("/api/v1/cache/free").then().extract().statusCode());
                org.junit.jupiter.api.Assertions.assertEquals(200, get.get(3, java.util.concurrent.TimeUnit.SECONDS));
            }
            org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
            org.junit.jupiter.api.Assertions.assertFalse(stuck.isDone(), "the SET still waits for the lock");
            c.rollback();
            org.junit.jupiter.api.Assertions.assertEquals(204, stuck.get(5, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        as(a).get("/api/v1/cache/busy").then().statusCode(200).body(equalTo("3"));
    }
}
