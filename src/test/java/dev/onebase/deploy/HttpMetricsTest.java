package dev.onebase.deploy;

import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.s3.S3Server;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The HTTP metrics stay bounded and useful: every {@code uri} label is a route template (never a cache key, a file path
 * or an S3 object key), latency is a histogram with buckets, and the service's own counters move with what happens.
 */
@QuarkusTest
class HttpMetricsTest {

    static final int DISTINCT = 200;

    @Inject
    S3Server s3;

    @Test
    void uriLabelsAreTemplatesWhateverThePathsAndLatencyHasBuckets() throws Exception {
        Tenant t = TestApi.signup();
        // a thousand requests in well under a minute: over the free plan's 600 a minute
        TestApi.asAdmin().contentType(io.restassured.http.ContentType.JSON).body("{\"plan\":\"enterprise\"}")
                .put("/admin/tenants/" + t.id() + "/plan").then().statusCode(200);
        String run = "raw" + UUID.randomUUID().toString().substring(0, 8);
        HttpClient http = HttpClient.newHttpClient();
        PromText before = PromText.scrape();
        byte[] body = "file-content".getBytes();
        for (int i = 0; i < DISTINCT; i++) {
            String key = run + "-" + i;
            as(t).contentType("text/plain").body("v").put("/api/v1/cache/" + key).then().statusCode(204);
            as(t).get("/api/v1/cache/" + key).then().statusCode(200);
            as(t).get("/api/v1/cache/missing-" + key).then().statusCode(404);
            given().get("/api/v1/cache/" + key).then().statusCode(401);
            // no route has PATCH: refused before any template is known
            as(t).patch("/api/v1/cache/" + key).then().statusCode(405);
            as(t).contentType("text/plain").body(body).put("/api/v1/files/" + run + "/" + key + ".txt").then().statusCode(201);
            int s3Status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s3.port() + "/" + run + "/" + key)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertEquals(403, s3Status);
        }
        PromText after = PromText.scrape();

        Set<String> uris = after.labelValues("http_server_requests_seconds_count", "uri");
        assertTrue(uris.stream().noneMatch(u -> u.contains(run)), "raw paths as uri labels: " + uris);
        assertTrue(uris.containsAll(Set.of("/api/v1/cache/{key}", "/api/v1/files/{path}", "/s3/{bucket}/{key}", "/api/{other}")), uris.toString());
        // every distinct label is a template or one of Micrometer's fixed values: far below the cap, whatever the traffic
        assertTrue(uris.size() <= 150, uris.size() + " uri labels: " + uris);
        assertFalse(after.text().contains(run), "the run's keys appear somewhere in /q/metrics");

        // a histogram with fixed buckets: p95/p99 aggregate across replicas with histogram_quantile
        String[] cacheGet = { "method=\"GET\"", "status=\"200\"", "uri=\"/api/v1/cache/{key}\"" };
        assertTrue(after.has("http_server_requests_seconds_bucket", concat(cacheGet, "le=\"0.005\"")), "a 5 ms bucket");
        assertTrue(after.samples.stream().filter(x -> x.name().equals("http_server_requests_seconds_bucket")
                && x.labels().contains("uri=\"/api/v1/cache/{key}\"") && x.labels().contains("status=\"200\"")
                && x.labels().contains("method=\"GET\"")).count() >= 14, "13 buckets and +Inf");
        assertTrue(after.sum("http_server_requests_seconds_bucket", concat(cacheGet, "le=\"+Inf\"")) >= DISTINCT);

        // the service's own counters
        assertTrue(after.sum("onebase_cache_lookups_total", "result=\"hit\"") - before.sum("onebase_cache_lookups_total", "result=\"hit\"") >= DISTINCT);
        assertTrue(after.sum("onebase_cache_lookups_total", "result=\"miss\"") - before.sum("onebase_cache_lookups_total", "result=\"miss\"") >= DISTINCT);
        assertTrue(after.sum("onebase_auth_failures_total", "credential=\"api-key\"")
                - before.sum("onebase_auth_failures_total", "credential=\"api-key\"") >= DISTINCT);
        // bytes uploaded through the files API
        assertTrue(after.sum("onebase_transfer_bytes_total", "direction=\"uploaded\"")
                - before.sum("onebase_transfer_bytes_total", "direction=\"uploaded\"") >= DISTINCT * body.length);
    }

    @Test
    void thePoolsMetricsSayWhatTheyAre() {
        // make the pool and the pipelined connections work
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/cache/nothing").then().statusCode(404);
        PromText m = PromText.scrape();
        assertTrue(m.has("onebase_db_pool_pending"), "pending acquisitions of the request pool");
        assertTrue(m.has("onebase_db_pool_wait_seconds_bucket"), "the pool wait as a histogram");
        assertTrue(m.has("onebase_db_client_queue_size"), "the SQL clients' queues");
        assertEquals(Set.of(), m.names().stream().filter(n -> n.startsWith("sql_pool_") || n.startsWith("onebase_jobs_")
                || n.startsWith("onebase_pipelined_") || n.startsWith("onebase_listener_") || n.startsWith("postgresql_"))
                .collect(java.util.stream.Collectors.toSet()), "metrics named after a connection's application name");
        assertTrue(m.labelValues("onebase_db_client_current", "connections").containsAll(Set.of("pool", "pipelined")));
        assertTrue(m.has("onebase_requests_limited_total"));
    }

    private static String[] concat(String[] labels, String more) {
        String[] all = java.util.Arrays.copyOf(labels, labels.length + 1);
        all[labels.length] = more;
        return all;
    }
}
