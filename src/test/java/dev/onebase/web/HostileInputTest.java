package dev.onebase.web;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.sql.Connection;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** Inputs a hostile client sends to find a 500 or a way past a limit: each is a 4xx problem. */
@QuarkusTest
class HostileInputTest {

    private static final String NUL = "\\u0000";

    private static ValidatableResponse refused(ValidatableResponse r) {
        int status = r.extract().statusCode();
        if (status != 400 && status != 422) {
            throw new AssertionError("expected 400 or 422, got " + status + ": " + r.extract().asString());
        }
        return problem(r, status);
    }

    private static RequestSpecification raw(Tenant t) {
        return as(t).urlEncodingEnabled(false);
    }

    private static RequestSpecification json(RequestSpecification r, String body) {
        return r.contentType(ContentType.JSON).body(body);
    }

    @Test
    void aNulCharacterInAnyTextIsRefused() {
        Tenant t = TestApi.signup();
        refused(json(given(), "{\"slug\":\"nul-" + System.nanoTime() + "\",\"name\":\"a" + NUL + "b\"}").post("/api/v1/signup").then());
        refused(json(raw(t), "{\"name\":\"a" + NUL + "b\"}").patch("/api/v1/tenant").then());
        refused(json(raw(t), "{\"settings\":{\"k\":\"a" + NUL + "b\"}}").patch("/api/v1/tenant").then());
        refused(json(raw(t), "{\"settings\":{\"k" + NUL + "\":1}}").patch("/api/v1/tenant").then());
        refused(json(raw(t), "{\"name\":\"k" + NUL + "\",\"scopes\":[\"read\"]}").post("/api/v1/keys").then());
        refused(raw(t).body("v").put("/api/v1/cache/a%00b").then());
        refused(raw(t).get("/api/v1/cache/a%00b").then());
        refused(raw(t).delete("/api/v1/cache/a%00b").then());
        refused(raw(t).post("/api/v1/cache/a%00b/incr").then());
        refused(raw(t).get("/api/v1/cache?match=a%00*").then());
        refused(json(raw(t), "{\"keys\":[\"a" + NUL + "b\"]}").post("/api/v1/cache/_batch/get").then());
        refused(json(raw(t), "{\"entries\":[{\"key\":\"a" + NUL + "b\",\"value\":\"v\"}]}").post("/api/v1/cache/_batch/set").then());
        refused(json(raw(t), "{\"userId\":\"u" + NUL + "\"}").post("/api/v1/sessions").then());
        refused(json(raw(t), "{\"userId\":\"u\",\"data\":{\"x\":\"" + NUL + "\"}}").post("/api/v1/sessions").then());
        refused(json(raw(t), "{\"limit\":10,\"periodMs\":1000}").post("/api/v1/rate-limits/a%00b/consume").then());
        refused(json(raw(t), "{\"description\":\"d" + NUL + "\",\"enabled\":true}").put("/api/v1/flags/nul-flag").then());
        refused(json(raw(t), "{\"enabled\":true}").put("/api/v1/flags/a%00b").then());
        refused(raw(t).get("/api/v1/flags/a%00b").then());
        refused(raw(t).get("/api/v1/files?folder=a%00b").then());
        refused(raw(t).get("/api/v1/files/search?q=a%00b").then());
        refused(raw(t).contentType("text/plain").body("x").put("/api/v1/files/a%00b.txt").then());
        refused(asAdmin().urlEncodingEnabled(false).get("/admin/tenants?status=a%00b").then());
        refused(asAdmin().urlEncodingEnabled(false).get("/admin/tenants?after=a%00b").then());
    }

    @Test
    void anUnparsableContentTypeIsRefused() {
        Tenant t = TestApi.signup();
        for (String type : new String[] {";;;", "application/", "/json", "a b/c"}) {
            int status = as(t).header("Content-Type", type).body("{\"name\":\"x\"}".getBytes()).patch("/api/v1/tenant").then().extract().statusCode();
            if (status != 400 && status != 415) {
                throw new AssertionError(type + " answered " + status);
            }
            problem(as(t).header("Content-Type", type).body("{\"name\":\"x\"}".getBytes()).patch("/api/v1/tenant").then(), status);
        }
    }

    @Test
    void theJsonLimitHoldsWithoutAContentTypeAndInAnyCase() {
        Tenant t = TestApi.signup();
        String huge = "{\"name\":\"" + "x".repeat(200_000) + "\"}";
        problem(as(t).header("Content-Type", "APPLICATION/JSON").body(huge.getBytes()).patch("/api/v1/tenant").then(), 413);
        problem(as(t).header("Content-Type", "Application/Json; Charset=UTF-8").body(huge.getBytes()).patch("/api/v1/tenant").then(), 413);
        // RestAssured always sends a type: send none with the JDK client
        java.net.http.HttpResponse<String> r = send("PATCH", "/api/v1/tenant", t, huge);
        assertEquals(413, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
        r = send("POST", "/api/v1/signup", null, "{\"slug\":\"big-" + System.nanoTime() + "\",\"name\":\"" + "x".repeat(200_000) + "\"}");
        assertEquals(413, r.statusCode(), r.body());
    }

    @Test
    void jsonWithTrailingGarbageIsRefused() throws Exception {
        String slug = "trail-" + System.nanoTime();
        problem(json(given(), "{\"slug\":\"" + slug + "\",\"name\":\"x\"} {\"more\":1}").post("/api/v1/signup").then(), 400);
        problem(json(given(), "{\"slug\":\"" + slug + "\",\"name\":\"x\"} garbage").post("/api/v1/signup").then(), 400);
        try (Connection c = Db.superuser()) {
            assertEquals(0, Db.count(c, "select count(*) from tenants where slug = ?", slug));
        }
        Tenant t = TestApi.signup();
        problem(json(as(t), "{\"name\":\"y\"}]").patch("/api/v1/tenant").then(), 400);
    }

    @Test
    void aFilePathWithAnEmptySegmentIsRefused() {
        Tenant t = TestApi.signup();
        problem(as(t).contentType("text/plain").body("x").put("/api/v1/files/a//b.txt").then(), 400, "empty segment");
    }

    private static java.net.http.HttpResponse<String> send(String method, String path, Tenant t, String body) {
        try {
            var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + path))
                    .method(method, java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
            if (t != null) {
                b.header("Authorization", "Bearer " + t.key());
            }
            return java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                    .send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
