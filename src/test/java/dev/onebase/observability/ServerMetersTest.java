package dev.onebase.observability;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.onebase.s3.S3Server;
import io.quarkus.test.junit.QuarkusTest;

/**
 * No meter is dropped at start-up as a duplicate: the main HTTP server and the S3 server (its own Vert.x HTTP server)
 * both listen on port 0 in the test profile, and Quarkus' Micrometer binder tags a server's meters with
 * {@code server.port} only for a port above 0, so the S3 server's {@code http.server.active.connections} gauge was
 * refused ("This Gauge has been already registered"). Reads the JSON log of this JVM (the test profile writes
 * target/onebase-test-log.json) and /q/metrics.
 */
@QuarkusTest
class ServerMetersTest {

    static final Path LOG = Path.of("target/onebase-test-log.json");
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern ACTIVE = Pattern.compile("^http_server_active_connections\\{[^}]*server_port=\"(\\d+)\"[^}]*} ", Pattern.MULTILINE);

    @Inject
    S3Server s3;

    @Test
    void bothServersHaveTheirGaugesAndNoMeterWasRefused() throws IOException {
        long pid = ProcessHandle.current().pid();
        List<JsonNode> all = Files.readAllLines(LOG).stream().filter(l -> l.startsWith("{")).map(ServerMetersTest::json)
                .filter(l -> l.path("processId").asLong() == pid).toList();
        // the start-up: this JVM's lines up to Quarkus' "started in" line
        int started = 0;
        while (started < all.size() && !(all.get(started).path("loggerName").asText().equals("io.quarkus")
                && all.get(started).path("message").asText().contains("started in"))) {
            started++;
        }
        List<JsonNode> ours = all.subList(0, Math.min(started + 1, all.size()));
        assertTrue(started < all.size() && ours.stream().anyMatch(l -> l.path("message").asText().startsWith("S3 endpoint listening on")),
                "the start-up of this JVM's test service is in " + LOG);
        List<String> refused = ours.stream().filter(l -> l.path("loggerName").asText().startsWith("io.micrometer"))
                .map(l -> l.path("message").asText())
                .filter(m -> m.toLowerCase(Locale.ROOT).contains("already registered") || m.toLowerCase(Locale.ROOT).contains("duplicate"))
                .toList();
        assertEquals(List.of(), refused, "meters refused at start-up");

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = ACTIVE.matcher(metrics);
        Set<String> ports = new java.util.TreeSet<>();
        while (m.find()) {
            ports.add(m.group(1));
        }
        assertTrue(ports.contains(String.valueOf(s3.port())), "the S3 server's active connections gauge in " + ports);
        assertEquals(2, ports.size(), "the main server's and the S3 server's active connections gauges: " + ports);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
