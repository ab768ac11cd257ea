package dev.onebase.cache;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * The keys "." and ".." are ordinary keys on every cache route, sent raw or as %2E: an HTTP path normalizer would
 * otherwise turn /api/v1/cache/. into /api/v1/cache/ (GET: the key listing, DELETE: the whole cache) and
 * /api/v1/cache/./ttl into the key "ttl". Sent with the JDK's HTTP client, which sends the path as given.
 */
@QuarkusTest
class CacheDotKeysTest {

    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> send(Tenant t, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + path))
                .header("Authorization", "Bearer " + t.key());
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "text/plain");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dotAndDotDotAreOrdinaryKeys() throws Exception {
        Tenant t = TestApi.signup();
        as(t).contentType("text/plain").body("keep").put("/api/v1/cache/other").then().statusCode(204);
        for (String[] spelling : new String[][] {{".", "."}, {"%2E", "."}, {"%2e", "."}, {"..", ".."}, {"%2E%2E", ".."}, {".%2e", ".."}}) {
            String path = "/api/v1/cache/" + spelling[0];
            String key = spelling[1];
            assertEquals(204, send(t, "PUT", path, "value of " + key).statusCode(), path);
            HttpResponse<String> got = send(t, "GET", path, null);
            assertEquals(200, got.statusCode(), path);
            assertEquals("value of " + key, got.body(), path + " is the key itself, not the key listing");
            assertEquals(200, send(t, "GET", path + "/ttl", null).statusCode(), path + "/ttl is the key's TTL");
            assertEquals(204, send(t, "DELETE", path, null).statusCode(), path);
            assertEquals(404, send(t, "GET", path, null).statusCode(), path + " was deleted");
            as(t).get("/api/v1/cache/other").then().statusCode(200); // and nothing else was
        }
        // the batch routes accept the same keys, and both see the same entries
        assertEquals(204, send(t, "PUT", "/api/v1/cache/.", "dot").statusCode());
        as(t).contentType("application/json").body("{\"keys\":[\".\"]}").post("/api/v1/cache/_batch/get").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("dot"));
    }
}
