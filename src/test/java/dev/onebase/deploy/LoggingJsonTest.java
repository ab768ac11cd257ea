package dev.onebase.deploy;

import static dev.onebase.testsupport.TestApi.as;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * JSON logs carry the request id and the tenant of the request that wrote them, on the JAX-RS side and on the routes
 * served from the router. The {@code test} profile writes the log as JSON to a file too (the formatter
 * {@code ONEBASE_LOG_JSON=true} puts on the console), with the authentications' debug line.
 */
@QuarkusTest
class LoggingJsonTest {

    static final Path LOG = Path.of("target/onebase-test-log.json");
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRequestsLogLineCarriesItsRequestIdAndTenant() {
        Tenant t = TestApi.signup();
        String jaxrs = "jaxrs-" + UUID.randomUUID();
        String routed = "routed-" + UUID.randomUUID();
        as(t).header("X-Request-Id", jaxrs).get("/api/v1/tenant").then().statusCode(200);
        as(t).header("X-Request-Id", routed).get("/api/v1/cache/absent").then().statusCode(404);
        for (String id : List.of(jaxrs, routed)) {
            Eventually.until("a JSON log line of request " + id + " with tenant " + t.id(), () -> lines(id).stream()
                    .anyMatch(l -> id.equals(l.path("mdc").path("requestId").asText())
                            && t.id().toString().equals(l.path("mdc").path("tenantId").asText())));
        }
    }

    private static List<JsonNode> lines(String containing) {
        try {
            return Files.readAllLines(LOG).stream().filter(l -> l.startsWith("{") && l.contains(containing)).map(l -> {
                try {
                    return JSON.readTree(l);
                } catch (IOException e) {
                    return JSON.createObjectNode();
                }
            }).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
