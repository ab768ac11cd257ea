package dev.onebase.openapi;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

/**
 * Holds every operation of {@code /q/openapi} to what a generated client and its reader need (docs/api.md, "The
 * OpenAPI document"): a summary and a description, one feature tag, its credential, every status the request pipeline
 * can answer with the problem schema, and an example for each JSON body it takes or answers. Each failure names the
 * operation and what it lacks.
 */
@QuarkusTest
class OpenApiDocumentTest {

    /** The features the operations are tagged by (never a Java class name). */
    private static final Set<String> FEATURE_TAG = Set.of("tenants", "keys", "s3-keys", "cache", "sessions", "rate-limits",
            "flags", "openfeature", "files", "stats", "admin-tenants", "admin-flags", "admin-s3-keys", "admin-stats", "jobs",
            "backups");

    private static JsonNode doc;

    @Inject
    Router router;

    /** Fetched once, before the first test (the service's port is known only then, not in a static @BeforeAll). */
    @BeforeEach
    void fetch() throws Exception {
        if (doc != null) {
            return;
        }
        doc = new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().asString());
    }

    @Test
    void everyOperationIsDescribedTaggedByFeatureAndSecured() {
        List<String> missing = new ArrayList<>();
        forEachOperation((name, path, op) -> {
            if (text(op, "summary").isBlank()) {
                missing.add(name + ": no summary");
            }
            if (text(op, "description").isBlank()) {
                missing.add(name + ": no description");
            }
            JsonNode tags = op.path("tags");
            if (tags.size() != 1 || !FEATURE_TAG.contains(tags.get(0).asText())) {
                missing.add(name + ": tags " + tags + " are not one feature of " + new TreeSet<>(FEATURE_TAG));
            }
            String scheme = path.startsWith("/admin/") ? "adminToken" : path.equals("/api/v1/signup") ? null : "apiKey";
            JsonNode security = op.path("security");
            boolean ok = scheme == null ? security.isMissingNode() || security.isEmpty()
                    : security.size() == 1 && security.get(0).has(scheme);
            if (!ok) {
                missing.add(name + ": security " + security + ", expected " + (scheme == null ? "none" : scheme));
            }
        });
        assertEquals(List.of(), missing);
        assertTrue(doc.path("security").isMissingNode() || doc.path("security").isEmpty(),
                "no document-wide security: each operation says its own");
        for (String scheme : List.of("apiKey", "adminToken")) {
            assertEquals("bearer", doc.path("components").path("securitySchemes").path(scheme).path("scheme").asText(), scheme);
        }
        Set<String> declared = new TreeSet<>();
        doc.path("tags").forEach(t -> {
            declared.add(t.path("name").asText());
            assertTrue(!t.path("description").asText().isBlank(), "tag " + t + " has a description");
        });
        assertEquals(new TreeSet<>(FEATURE_TAG), declared, "the document lists the feature tags, no Java class names");
    }

    @Test
    void everyOperationDocumentsTheStatusesItCanAnswerWithTheProblemSchema() {
        List<String> missing = new ArrayList<>();
        forEachOperation((name, path, op) -> {
            JsonNode responses = op.path("responses");
            Set<String> statuses = new TreeSet<>();
            responses.fieldNames().forEachRemaining(statuses::add);
            List<String> needed = new ArrayList<>(List.of("503"));
            boolean secured = !path.equals("/api/v1/signup");
            if (secured) {
                needed.add("401");
            }
            if (!path.startsWith("/admin/") && secured) {
                needed.addAll(List.of("403", "429"));
            }
            if (path.contains("{")) {
                needed.add("404");
            }
            for (String status : needed) {
                if (!statuses.contains(status)) {
                    missing.add(name + ": no " + status);
                }
            }
            boolean takesInput = op.has("requestBody") || op.path("parameters").size() > 0 || path.contains("{");
            if (takesInput && !statuses.contains("400") && !statuses.contains("422")) {
                missing.add(name + ": takes input but documents neither 400 nor 422");
            }
            if (op.has("requestBody") && !statuses.contains("413")) {
                missing.add(name + ": takes a body but documents no 413");
            }
            if (statuses.stream().noneMatch(s -> s.startsWith("2"))) {
                missing.add(name + ": no success status");
            }
            for (String status : statuses) {
                JsonNode response = responses.path(status);
                if (text(response, "description").isBlank()) {
                    missing.add(name + ": " + status + " has no description");
                }
                if (status.startsWith("4") || status.startsWith("5")) {
                    JsonNode problem = response.path("content").path("application/problem+json");
                    // OFREP's own error bodies are the protocol's shapes (evaluationFailure, flagNotFound), not problems
                    boolean ofrepShape = path.startsWith("/ofrep/") && response.path("content").has("application/json");
                    if (!ofrepShape && !"#/components/schemas/Problem".equals(problem.path("schema").path("$ref").asText())) {
                        missing.add(name + ": " + status + " is not application/problem+json with the Problem schema");
                    }
                }
            }
        });
        assertEquals(List.of(), missing);
        JsonNode problem = doc.path("components").path("schemas").path("Problem");
        assertEquals(Set.of("type", "title", "status", "detail", "instance", "requestId"), fields(problem.path("properties")));
        assertTrue(problem.has("example"), "the Problem schema has an example");
    }

    @Test
    void everyJsonBodyTakenOrAnsweredHasAnExample() {
        List<String> missing = new ArrayList<>();
        forEachOperation((name, path, op) -> {
            op.path("requestBody").path("content").fields().forEachRemaining(m -> {
                if (!hasExample(m.getValue())) {
                    missing.add(name + ": request body " + m.getKey() + " has no example");
                }
            });
            op.path("responses").fields().forEachRemaining(r -> r.getValue().path("content").fields().forEachRemaining(m -> {
                if (!hasExample(m.getValue())) {
                    missing.add(name + ": " + r.getKey() + " " + m.getKey() + " has no example");
                }
            }));
        });
        assertEquals(List.of(), missing);
    }

    /** An example that names a property its schema does not have is wrong: what a client would read is not there. */
    @Test
    void examplesMatchTheirSchemas() {
        List<String> wrong = new ArrayList<>();
        doc.path("components").path("schemas").fields().forEachRemaining(s -> {
            JsonNode example = s.getValue().path("example");
            JsonNode properties = s.getValue().path("properties");
            if (example.isObject() && properties.isObject()) {
                example.fieldNames().forEachRemaining(f -> {
                    if (!properties.has(f)) {
                        wrong.add(s.getKey() + ": the example has " + f + ", the schema only " + fields(properties));
                    }
                });
                s.getValue().path("required").forEach(r -> {
                    if (!example.has(r.asText())) {
                        wrong.add(s.getKey() + ": the example lacks the required " + r.asText());
                    }
                });
            }
        });
        assertEquals(List.of(), wrong);
    }

    /** The routes served from the HTTP router have no annotations: each must still be in the document. */
    @Test
    void everyRouterRouteOfTheApiIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        int seen = 0;
        for (Route route : router.getRoutes()) {
            String path = route.getPath();
            if (path == null || !(path.startsWith("/api/") || path.startsWith("/ofrep/")) || route.methods() == null) {
                continue;
            }
            // a prefix route (/api/v1/files/*) reports its prefix: the rest of the path is its {path}
            String templated = path.replaceAll(":([A-Za-z]+)", "{$1}").replaceAll("/\\*?$", "/{path}");
            for (var method : route.methods()) {
                seen++;
                JsonNode op = doc.path("paths").path(templated).path(method.name().toLowerCase());
                if (op.isMissingNode()) {
                    undocumented.add(method.name() + " " + templated);
                }
            }
        }
        assertTrue(seen >= 10, "the router serves the cache GET, the file transfers and flag evaluation: " + seen);
        assertEquals(List.of(), undocumented);
    }

    /** The calls that return a secret say so in their schema, so a client can read it. */
    @Test
    void callsThatReturnSecretsHaveResponseSchemas() {
        assertSchemaHas("/api/v1/signup", "post", "201", "apiKey");
        assertSchemaHas("/admin/tenants", "post", "201", "apiKey");
        assertSchemaHas("/api/v1/keys", "post", "201", "secret");
        assertSchemaHas("/api/v1/keys/s3", "post", "201", "secretAccessKey");
        assertSchemaHas("/admin/tenants/{tenant}/s3-keys", "post", "201", "secretAccessKey");
        assertSchemaHas("/api/v1/sessions", "post", "201", "token");
        assertTrue(doc.path("paths").path("/api/v1/keys").path("post").path("responses").path("200").isMissingNode(),
                "no guessed 200 beside the 201 a key creation answers");
    }

    private void assertSchemaHas(String path, String method, String status, String property) {
        JsonNode schema = resolve(doc.path("paths").path(path).path(method).path("responses").path(status).path("content")
                .path("application/json").path("schema"));
        assertTrue(schema.path("properties").has(property), method + " " + path + " " + status + " has " + property + ": " + schema);
    }

    private boolean hasExample(JsonNode media) {
        if (media.has("example") || media.path("examples").size() > 0) {
            return true;
        }
        JsonNode schema = resolve(media.path("schema"));
        if ("binary".equals(schema.path("format").asText())) {
            return true; // bytes: any content is an example
        }
        return schemaHasExample(schema);
    }

    private boolean schemaHasExample(JsonNode schema) {
        if (schema.has("example") || schema.path("examples").size() > 0) {
            return true;
        }
        if (schema.has("items")) {
            return schemaHasExample(resolve(schema.path("items")));
        }
        if (schema.path("additionalProperties").isObject()) {
            return schemaHasExample(resolve(schema.path("additionalProperties")));
        }
        return false;
    }

    private static JsonNode resolve(JsonNode schema) {
        String ref = schema.path("$ref").asText();
        return ref.startsWith("#/components/schemas/")
                ? doc.path("components").path("schemas").path(ref.substring("#/components/schemas/".length()))
                : schema;
    }

    interface OperationCheck {
        void check(String name, String path, JsonNode operation);
    }

    private static void forEachOperation(OperationCheck check) {
        int count = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> p = paths.next();
            for (String method : List.of("get", "put", "post", "delete", "patch", "head")) {
                JsonNode op = p.getValue().path(method);
                if (!op.isMissingNode()) {
                    count++;
                    check.check(method.toUpperCase() + " " + p.getKey() + " (" + op.path("operationId").asText() + ")",
                            p.getKey(), op);
                }
            }
        }
        assertTrue(count > 60, "the document lists the API's operations: " + count);
        assertTrue(!doc.path("paths").has("/console"), "the console's pages are not API operations");
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).asText("");
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
