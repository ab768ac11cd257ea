package dev.onebase.cache;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import dev.onebase.web.Problem;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Concurrent HTTP GETs of a tenant on one event loop share one {@code cache_get_many} statement (as the RESP server's
 * do), and each still gets exactly its own answer: its value and content type, a 404 for a missing or expired key,
 * and only its own tenant's value (two tenants with the same keys, asked at once, never see each other's).
 */
@QuarkusTest
class CacheGetBatchingTest {

    @Inject
    CacheBatcher batcher;

    @Inject
    ObjectMapper json;

    @Test
    void concurrentGetsShareStatementsAndEachGetsItsOwnAnswer() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        for (int i = 0; i < 8; i++) {
            as(a).contentType("application/x-a").body(("a" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).put("/api/v1/cache/k" + i).then().statusCode(204);
            as(b).contentType("application/json").body("{\"b\":" + i + "}").put("/api/v1/cache/k" + i).then().statusCode(204);
        }
        as(a).body("old").put("/api/v1/cache/old").then().statusCode(204);
        Db.exec("update cache_entries set expires_at = now() - interval '1 second' where tenant_id = ? and key = 'old'", a.id());

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://localhost:" + RestAssured.port + "/api/v1/cache/";
        long statementsBefore = batcher.getStatements();
        long getsBefore = batcher.batchedGets();
        record Asked(Tenant tenant, String key, CompletableFuture<HttpResponse<String>> answer) {
        }
        List<Asked> asked = new ArrayList<>();
        for (int round = 0; round < 25; round++) {
            for (Tenant t : List.of(a, b)) {
                for (String key : List.of("k" + (round % 8), "missing-" + round, "old")) {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(base + key)).header("Authorization", "Bearer " + t.key()).GET().build();
                    asked.add(new Asked(t, key, client.sendAsync(req, HttpResponse.BodyHandlers.ofString())));
                }
            }
        }
        for (Asked q : asked) {
            HttpResponse<String> r = q.answer().get(30, TimeUnit.SECONDS);
            if (q.key().startsWith("k")) {
                int i = Integer.parseInt(q.key().substring(1));
                assertEquals(200, r.statusCode(), q.key());
                if (q.tenant() == a) {
                    assertEquals("a" + i, r.body());
                    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/x-a"), "the stored content type");
                } else {
                    assertEquals("{\"b\":" + i + "}", r.body());
                    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
                }
            } else {
                assertEquals(404, r.statusCode(), q.key() + ": " + r.body());
                String id = r.headers().firstValue("X-Request-Id").orElseThrow();
                // the pre-encoded 404 is byte for byte what Jackson writes for the same problem
                assertEquals(json.writeValueAsString(new Problem("urn:onebase:problem:404", "Not Found", 404, "No such key",
                        "/api/v1/cache/" + q.key(), id)), r.body());
                assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
            }
            assertTrue(r.headers().firstValue("RateLimit").isPresent(), "the RateLimit header on every answer");
        }
        long statements = batcher.getStatements() - statementsBefore;
        long gets = batcher.batchedGets() - getsBefore;
        assertEquals(asked.size(), gets, "every HTTP GET went through the batcher");
        assertTrue(statements > 0 && statements < gets, statements + " statements for " + gets + " GETs: some shared one");
    }

    @Test
    void missesThatTakeTheGeneralPathAnswerTheSame() {
        Tenant t = TestApi.signup();
        // a GET with a body (drained first), a HEAD: the general problem path, same answer
        as(t).header("X-Request-Id", "trace-1").contentType("text/plain").body("ignored").get("/api/v1/cache/nothing-q").then()
                .statusCode(404).contentType("application/problem+json")
                .body("instance", org.hamcrest.Matchers.equalTo("/api/v1/cache/nothing-q"))
                .body("requestId", org.hamcrest.Matchers.equalTo("trace-1"))
                .body("detail", org.hamcrest.Matchers.equalTo("No such key"));
        as(t).head("/api/v1/cache/nothing").then().statusCode(404).contentType("application/problem+json");
        // what the pre-encoded body may hold as it is; anything else is left to Jackson
        assertTrue(plainJson("/api/v1/cache/a%2Fb-_.~!$&'()*+,;=:@"));
        for (String s : List.of("a\"b", "a\\b", "caf\u00e9", "tab\t", "del\u007f")) {
            org.junit.jupiter.api.Assertions.assertFalse(plainJson(s), s);
        }
    }

    private static boolean plainJson(String s) {
        return CacheGetRoute.plainJson(s);
    }
}
