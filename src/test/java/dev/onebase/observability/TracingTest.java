package dev.onebase.observability;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;


import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;

/**
 * OpenTelemetry tracing (docs/observability.md#tracing): a request that carries a sampled {@code traceparent} gets an
 * HTTP server span whose children are the database calls it made, with the statement text and
 * {@code db.system=postgresql}; no span attribute carries the tenant's data (cache key and value, file path and
 * content, API key). The test profile samples nothing else (ratio 0), so the rest of the suite pays no recording.
 */
@QuarkusTest
class TracingTest {

    static final SecureRandom RANDOM = new SecureRandom();

    final InMemorySpanExporter spans = InMemorySpans.EXPORTER;

    @Test
    void aCacheReadAndAnUploadAreServerSpansWithTheirDatabaseCallsAsChildren() {
        Tenant t = TestApi.signup();
        String key = "trace-key-" + UUID.randomUUID();
        String value = "trace-value-" + UUID.randomUUID();
        String path = "trace-dir-" + UUID.randomUUID() + "/report.txt";
        String content = "trace-content-" + UUID.randomUUID();
        spans.reset();
        // not sampled: no traceparent
        as(t).contentType("text/plain").body(value).put("/api/v1/cache/" + key).then().statusCode(204);

        String[] read = traceparent();
        as(t).header("traceparent", read[2]).get("/api/v1/cache/" + key).then().statusCode(200);
        String[] upload = traceparent();
        as(t).header("traceparent", upload[2]).contentType("application/octet-stream")
                .body(content.getBytes(StandardCharsets.UTF_8)).put("/api/v1/files/" + path).then().statusCode(201);

        Map<String[], String> expected = Map.of(read, "from cache_get_many($1, $2)", upload, "insert into files (");
        for (String[] trace : List.of(read, upload)) {
            List<SpanData> all = Eventually.until("the server span and the database spans of trace " + trace[0],
                    () -> spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace[0])).toList(),
                    l -> l.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER) && l.stream().anyMatch(TracingTest::isDb));
            List<SpanData> servers = all.stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
            assertEquals(1, servers.size(), "one server span: " + describe(all));
            SpanData server = servers.get(0);
            assertEquals(trace[1], server.getParentSpanId(), "the server span continues the caller's trace");
            Map<String, SpanData> byId = all.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
            for (SpanData db : all.stream().filter(TracingTest::isDb).toList()) {
                assertEquals(SpanKind.CLIENT, db.getKind(), describe(List.of(db)));
                assertFalse(statement(db).isBlank(), "the statement text: " + describe(List.of(db)));
                SpanData up = db;
                while (up != null && up != server) {
                    up = byId.get(up.getParentSpanId());
                }
                assertEquals(server, up, "a database span under the request's span: " + describe(List.of(db)));
            }
            assertTrue(all.stream().filter(TracingTest::isDb).anyMatch(s -> statement(s).contains(expected.get(trace))),
                    "the request's own statement (" + expected.get(trace) + ") with its parameters as placeholders: " + describe(all));
            for (SpanData s : all) {
                String attributes = s.getName() + " " + s.getAttributes().asMap().values();
                for (String secret : List.of(key, value, path, "report.txt", content, t.key())) {
                    assertFalse(attributes.contains(secret), "tenant data '" + secret + "' in " + describe(List.of(s)));
                }
            }
        }
        Set<String> traced = Set.of(read[0], upload[0]);
        assertTrue(spans.getFinishedSpanItems().stream().allMatch(s -> traced.contains(s.getTraceId())),
                "a request without a sampled traceparent records nothing: " + describe(spans.getFinishedSpanItems().stream()
                        .filter(s -> !traced.contains(s.getTraceId())).toList()));
    }

    /** {trace id, parent span id, traceparent header} of a sampled trace started by the test. */
    private static String[] traceparent() {
        byte[] trace = new byte[16];
        byte[] span = new byte[8];
        RANDOM.nextBytes(trace);
        RANDOM.nextBytes(span);
        String traceId = HexFormat.of().formatHex(trace);
        String spanId = HexFormat.of().formatHex(span);
        return new String[] { traceId, spanId, "00-" + traceId + "-" + spanId + "-01" };
    }

    private static boolean isDb(SpanData s) {
        String system = s.getAttributes().get(AttributeKey.stringKey("db.system"));
        if (system == null) {
            system = s.getAttributes().get(AttributeKey.stringKey("db.system.name"));
        }
        return "postgresql".equals(system);
    }

    private static String statement(SpanData s) {
        String text = s.getAttributes().get(AttributeKey.stringKey("db.statement"));
        return text != null ? text : String.valueOf(s.getAttributes().get(AttributeKey.stringKey("db.query.text")));
    }

    private static String describe(List<SpanData> spans) {
        return spans.stream().map(s -> "  " + s.getKind() + " '" + s.getName() + "' " + s.getSpanId() + " <- " + s.getParentSpanId()
                + " " + s.getAttributes().asMap()).collect(Collectors.joining("\n"));
    }
}
