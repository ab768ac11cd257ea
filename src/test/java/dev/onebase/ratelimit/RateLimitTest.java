package dev.onebase.ratelimit;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi.Tenant;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

@QuarkusTest
class RateLimitTest {

    @Inject
    RequestLimit requestLimit;

    static ExtractableResponse<Response> consume(Tenant t, String key, String body) {
        return as(t).contentType(ContentType.JSON).body(body).post("/api/v1/rate-limits/" + key + "/consume").then().statusCode(200).extract();
    }

    @Test
    void gcraAllowsTheLimitPerPeriodThenTellsWhenToRetry() {
        Tenant t = TestApi.signup();
        String five = "{\"limit\":5,\"periodMs\":60000}";
        for (int i = 0; i < 5; i++) {
            var r = consume(t, "api", five);
            assertEquals(true, r.path("allowed"));
            assertEquals(4 - i, (int) r.path("remaining"));
            assertEquals(0, (int) r.path("retryAfterMs"));
        }
        as(t).contentType(ContentType.JSON).body(five).post("/api/v1/rate-limits/api/consume").then().statusCode(200)
                .body("allowed", equalTo(false)).body("remaining", equalTo(0)).body("limit", equalTo(5))
                // one unit frees up every 12 s
                .body("retryAfterMs", allOf(greaterThan(10_000), lessThanOrEqualTo(12_000)))
                .body("resetMs", allOf(greaterThan(50_000), lessThanOrEqualTo(60_000)));
        // cost: 3 of 10 leaves 7; a cost larger than what remains is refused without using any
        consume(t, "weighted", "{\"limit\":10,\"periodMs\":1000,\"cost\":3}").path("remaining").equals(7);
        assertEquals(7, (int) consume(t, "weighted2", "{\"limit\":10,\"periodMs\":60000,\"cost\":3}").path("remaining"));
        assertEquals(false, consume(t, "weighted2", "{\"limit\":10,\"periodMs\":60000,\"cost\":8}").path("allowed"));
        assertEquals(true, consume(t, "weighted2", "{\"limit\":10,\"periodMs\":60000,\"cost\":7}").path("allowed"));
    }

    @Test
    void theBucketRefillsWithTime() {
        Tenant t = TestApi.signup();
        String two = "{\"limit\":2,\"periodMs\":1000}";
        assertEquals(true, consume(t, "k", two).path("allowed"));
        assertEquals(true, consume(t, "k", two).path("allowed"));
        assertEquals(false, consume(t, "k", two).path("allowed"));
        Db.passTime("rate_limits", Duration.ofMillis(1100), "tenant_id = ? and key = 'u:k'", t.id());
        assertEquals(true, consume(t, "k", two).path("allowed"));
    }

    @Test
    void concurrentConsumersGetExactlyTheLimit() throws Exception {
        Tenant t = TestApi.signup();
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            calls.add(() -> consume(t, "burst", "{\"limit\":25,\"periodMs\":3600000}").path("allowed"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            int allowed = 0;
            for (Future<Boolean> f : pool.invokeAll(calls)) {
                allowed += f.get() ? 1 : 0;
            }
            assertEquals(25, allowed);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void badInputIsAProblem() {
        Tenant t = TestApi.signup();
        String path = "/api/v1/rate-limits/k/consume";
        problem(as(t).contentType(ContentType.JSON).body("{}").post(path).then(), 400, "limit and periodMs are required");
        problem(as(t).contentType(ContentType.JSON).body("{\"limit\":0,\"periodMs\":1000}").post(path).then(), 400, "limit must be");
        problem(as(t).contentType(ContentType.JSON).body("{\"limit\":1,\"periodMs\":0}").post(path).then(), 400, "periodMs");
        problem(as(t).contentType(ContentType.JSON).body("{\"limit\":1,\"periodMs\":10,\"cost\":-1}").post(path).then(), 400, "cost");
        problem(as(t).contentType(ContentType.JSON).body("{\"limit\":2,\"periodMs\":10,\"cost\":3}").post(path).then(), 422, "never fit");
        problem(as(t).contentType(ContentType.JSON).body("{\"limit\":\"many\",\"periodMs\":10}").post(path).then(), 400, "limit");
    }

    /**
     * The service's own limit: the free plan's 600 requests per minute (GCRA: a burst of 600, then one every 100 ms),
     * then 429 with Retry-After and the RateLimit headers; every call is counted in tenant_request_counts.
     */
    @Test
    void theTenantRequestLimitAppliesToEveryApiCallAndIsCounted() throws Exception {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/cache/none").then().statusCode(404).header("RateLimit-Policy", "\"requests\";q=600;w=60")
                .header("RateLimit", org.hamcrest.Matchers.startsWith("\"requests\";r=599;t="));
        AtomicInteger ok = new AtomicInteger(1);
        AtomicInteger refused = new AtomicInteger();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                workers.add(pool.submit(() -> {
                    while (refused.get() == 0 && ok.get() < 3000) {
                        int status = as(t).get("/api/v1/cache/none").then().extract().statusCode();
                        (status == 429 ? refused : ok).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(ok.get() >= 600, "the burst of 600 is allowed: " + ok.get());
        assertTrue(ok.get() <= 600 + elapsedMs / 100 + 1, ok.get() + " allowed in " + elapsedMs + " ms");
        // the next call is refused too (unless a 100 ms slot has freed up since: then the one after)
        ExtractableResponse<Response> limited = null;
        for (int i = 0; i < 50 && limited == null; i++) {
            var r = as(t).get("/api/v1/tenant").then().extract();
            if (r.statusCode() == 429) {
                limited = r;
                refused.incrementAndGet();
            } else {
                ok.incrementAndGet();
            }
        }
        assertTrue(limited != null);
        limited.response().then().contentType("application/problem+json").body("status", equalTo(429))
                .body("detail", org.hamcrest.Matchers.containsString("600 API requests per minute"))
                .header("RateLimit-Policy", "\"requests\";q=600;w=60").header("RateLimit", org.hamcrest.Matchers.startsWith("\"requests\";r=0;t="));
        assertEquals("1", limited.header("Retry-After"), "one request frees up every 100 ms, rounded up to a second");
        // another tenant is not affected; a bigger plan lifts the limit at once
        Tenant other = TestApi.signup();
        as(other).get("/api/v1/cache/none").then().statusCode(404);
        TestApi.asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}").put("/admin/tenants/" + t.id() + "/plan")
                .then().statusCode(200);
        as(t).get("/api/v1/cache/none").then().statusCode(404).header("RateLimit-Policy", "\"requests\";q=60000;w=60");
        requestLimit.flush().await().indefinitely();
        // a lease or a periodic flush may still be writing counts it drained before this flush: they land, just later
        long requests = ok.get() + refused.get() + 1;
        Eventually.until("every request and refusal counted", () -> {
            try (Connection c = Db.superuser()) {
                return Db.count(c, "select sum(requests) from tenant_request_counts where tenant_id = ?", t.id()) == requests
                        && Db.count(c, "select sum(rejected) from tenant_request_counts where tenant_id = ?", t.id()) == refused.get();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The limit's statement starts before authentication answers, but a forged key consumes and counts nothing. */
    @Test
    void aForgedKeyForATenantConsumesNothing() throws Exception {
        Tenant t = TestApi.signup();
        String forged = "ob_" + t.id().toString().replace("-", "") + "_" + "A".repeat(43);
        for (int i = 0; i < 3; i++) {
            problem(io.restassured.RestAssured.given().header("Authorization", "Bearer " + forged).get("/api/v1/cache/x").then(), 401, "unknown");
        }
        as(t).get("/api/v1/cache/none").then().statusCode(404).header("RateLimit", org.hamcrest.Matchers.startsWith("\"requests\";r=599;"));
        requestLimit.flush().await().indefinitely();
        try (Connection c = Db.superuser()) {
            assertEquals(1, Db.count(c, "select sum(requests) from tenant_request_counts where tenant_id = ?", t.id()));
        }
    }

    /**
     * A plan with room for many requests: the replica leases them from the shared bucket in batches (far fewer
     * database round trips than requests), and every request is still counted exactly once.
     */
    @Test
    void aBigPlanIsServedFromLeasesAndEveryRequestIsStillCounted() throws Exception {
        Tenant t = TestApi.signup();
        TestApi.asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}").put("/admin/tenants/" + t.id() + "/plan")
                .then().statusCode(200);
        as(t).body("v").put("/api/v1/cache/k").then().statusCode(204);
        long leasesBefore = requestLimit.leasesTaken();
        int requests = 400;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger notOk = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                workers.add(pool.submit(() -> {
                    while (next.getAndIncrement() < requests) {
                        if (as(t).get("/api/v1/cache/k").then().extract().statusCode() != 200) {
                            notOk.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(0, notOk.get());
        long leases = requestLimit.leasesTaken() - leasesBefore;
        assertTrue(leases < requests / 4, leases + " leases for " + requests + " requests");
        requestLimit.flush().await().indefinitely();
        try (Connection c = Db.superuser()) {
            assertEquals(requests + 1, Db.count(c, "select sum(requests) from tenant_request_counts where tenant_id = ?", t.id()), "the PUT and the GETs");
            assertEquals(0, Db.count(c, "select sum(rejected) from tenant_request_counts where tenant_id = ?", t.id()));
        }
    }
}
