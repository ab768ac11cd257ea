package dev.onebase.ratelimit;

import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.matchesPattern;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi.Tenant;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The routes served from the router (cache GET, file upload and download) pass the same door as the JAX-RS routes
 * ({@link RouteGate}): every answer after authentication carries the request limit's RateLimit headers, failures
 * included. The file routes sent none before RouteGate.
 */
@QuarkusTest
class RoutedRequestLimitTest {

    private static final String POLICY = "\"requests\";q=600;w=60";
    private static final String STATE = "\"requests\";r=\\d+;t=\\d+";

    @Test
    void fileUploadsAndDownloadsCarryTheRateLimitHeaders() {
        Tenant t = TestApi.signup();
        String id = as(t).contentType("text/plain").body("hello").put("/api/v1/files/notes/a.txt").then().statusCode(201)
                .header("RateLimit-Policy", POLICY).header("RateLimit", matchesPattern(STATE))
                .extract().path("id");
        as(t).get("/api/v1/files/" + id + "/content").then().statusCode(200)
                .header("RateLimit-Policy", POLICY).header("RateLimit", matchesPattern(STATE));
        as(t).multiPart("file", "b.txt", "hi".getBytes(), "text/plain").post("/api/v1/files").then().statusCode(201)
                .header("RateLimit", matchesPattern(STATE));
    }

    @Test
    void problemsAfterAuthenticationCarryThemToo() {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/files/" + java.util.UUID.randomUUID() + "/content").then().statusCode(404)
                .contentType("application/problem+json").header("RateLimit", matchesPattern(STATE));
        as(t).get("/api/v1/cache/missing").then().statusCode(404).header("RateLimit", matchesPattern(STATE));
    }
}
