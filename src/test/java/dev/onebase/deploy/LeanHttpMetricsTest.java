package dev.onebase.deploy;

import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/**
 * The HTTP server request Timer of a request with a route template is recorded by web/LeanHttpMetrics (a Timer resolved
 * once per template, method and status) instead of Quarkus' binder building its tags per request: each request is
 * counted once, in the binder's own series, with the same labels, for the routes served from the router and JAX-RS's.
 */
@QuarkusTest
class LeanHttpMetricsTest {

    static final int N = 20;
    static final String COUNT = "http_server_requests_seconds_count";

    @Inject
    Vertx vertx;

    @Test
    void eachRequestIsCountedOnceInTheBindersSeries() {
        assertEquals("dev.onebase.web.LeanHttpMetrics$Vertx", ((VertxInternal) vertx).metricsSPI().getClass().getName(),
                "the Vert.x metrics are the binder's, wrapped");
        Tenant t = TestApi.signup();
        as(t).contentType("text/plain").body("v").put("/api/v1/cache/lean").then().statusCode(204);
        String[] hit = { "method=\"GET\"", "uri=\"/api/v1/cache/{key}\"", "status=\"200\"", "outcome=\"SUCCESS\"" };
        String[] miss = { "method=\"GET\"", "uri=\"/api/v1/cache/{key}\"", "status=\"404\"", "outcome=\"CLIENT_ERROR\"" };
        String[] refused = { "method=\"GET\"", "uri=\"/api/v1/cache/{key}\"", "status=\"401\"", "outcome=\"CLIENT_ERROR\"" };
        String[] jaxrs = { "method=\"GET\"", "uri=\"/api/v1/tenant\"", "status=\"200\"", "outcome=\"SUCCESS\"" };
        PromText before = PromText.scrape();
        for (int i = 0; i < N; i++) {
            as(t).get("/api/v1/cache/lean").then().statusCode(200);
            as(t).get("/api/v1/cache/absent-" + i).then().statusCode(404);
            given().get("/api/v1/cache/lean").then().statusCode(401);
            as(t).get("/api/v1/tenant").then().statusCode(200);
        }
        PromText after = PromText.scrape();
        assertEquals(N, after.sum(COUNT, hit) - before.sum(COUNT, hit), "hits");
        assertEquals(N, after.sum(COUNT, miss) - before.sum(COUNT, miss), "misses");
        assertEquals(N, after.sum(COUNT, refused) - before.sum(COUNT, refused), "401s");
        assertEquals(N, after.sum(COUNT, jaxrs) - before.sum(COUNT, jaxrs), "a JAX-RS route");
        // the histogram's buckets moved with the count
        String[] bucket = { "method=\"GET\"", "uri=\"/api/v1/cache/{key}\"", "status=\"200\"", "le=\"+Inf\"" };
        assertEquals(N, after.sum("http_server_requests_seconds_bucket", bucket) - before.sum("http_server_requests_seconds_bucket", bucket));
        // and they went the lean way, not the binder's (which would count them the same)
        assertTrue(leanTemplates().containsAll(java.util.Set.of("/api/v1/cache/{key}", "/api/v1/tenant")), leanTemplates().toString());
    }

    private static java.util.Set<?> leanTemplates() {
        try {
            java.lang.reflect.Field f = Class.forName("dev.onebase.web.LeanHttpMetrics").getDeclaredField("TEMPLATES");
            f.setAccessible(true);
            return ((java.util.Map<?, ?>) f.get(null)).keySet();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
