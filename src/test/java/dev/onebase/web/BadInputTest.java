package dev.onebase.web;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi.Tenant;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Every bad request gets its status and an RFC 7807 body, never a 500 or a stack trace. */
@QuarkusTest
class BadInputTest {

    @Test
    void missingKeyIs401WithAChallenge() {
        problem(given().get("/api/v1/tenant").then(), 401).header("WWW-Authenticate", "Bearer");
        problem(given().header("Authorization", "Basic dXNlcjpwYXNz").get("/api/v1/tenant").then(), 401);
    }

    @Test
    void malformedKeysAre401() {
        problem(given().header("Authorization", "Bearer not-a-key").get("/api/v1/tenant").then(), 401)
                .body("detail", equalTo("The API key is malformed"));
        problem(given().header("Authorization", "Bearer ob_zz_" + "a".repeat(43)).get("/api/v1/tenant").then(), 401);
        problem(given().header("Authorization", "Bearer " + "x".repeat(10_000)).get("/api/v1/tenant").then(), 401);
    }

    @Test
    void aWellFormedButUnknownKeyIs401() {
        Tenant t = TestApi.signup();
        String forged = "ob_" + t.id().toString().replace("-", "") + "_" + "A".repeat(43);
        problem(given().header("Authorization", "Bearer " + forged).get("/api/v1/tenant").then(), 401)
                .body("detail", equalTo("The API key is unknown, revoked, or its tenant was deleted"));
    }

    @Test
    void aKeyOfADeletedTenantIs401() {
        Tenant t = TestApi.signup();
        asAdmin().delete("/admin/tenants/" + t.id()).then().statusCode(200);
        problem(as(t).get("/api/v1/tenant").then(), 401);
    }

    @Test
    void malformedJsonIs400() {
        Tenant t = TestApi.signup();
        problem(as(t).contentType(ContentType.JSON).body("{\"name\": ").patch("/api/v1/tenant").then(), 400);
        problem(given().contentType(ContentType.JSON).body("{slug:'x'}").post("/api/v1/signup").then(), 400);
        problem(given().contentType(ContentType.JSON).body("[1,2]").post("/api/v1/signup").then(), 400);
    }

    @Test
    void unknownFieldsAre400AndNamed() {
        problem(given().contentType(ContentType.JSON).body("{\"slug\":\"abc-def\",\"name\":\"x\",\"admin\":true}")
                .post("/api/v1/signup").then(), 400).body("detail", equalTo("Unknown field 'admin'"));
    }

    @Test
    void wrongShapesAre400() {
        Tenant t = TestApi.signup();
        problem(as(t).contentType(ContentType.JSON).body("{\"settings\":[1,2]}").patch("/api/v1/tenant").then(), 400);
        problem(as(t).contentType(ContentType.JSON).body("{\"name\":\"x\",\"scopes\":\"read\"}").post("/api/v1/keys").then(), 400);
    }

    @Test
    void missingBodyIs400() {
        problem(given().contentType(ContentType.JSON).post("/api/v1/signup").then(), 400);
    }

    @Test
    void invalidValuesAre422() {
        problem(given().contentType(ContentType.JSON).body("{\"slug\":\"Bad Slug!\",\"name\":\"x\"}").post("/api/v1/signup").then(), 422);
        problem(given().contentType(ContentType.JSON).body("{\"slug\":\"good-slug-" + System.nanoTime() + "\",\"name\":\"\"}")
                .post("/api/v1/signup").then(), 422);
        Tenant t = TestApi.signup();
        problem(as(t).contentType(ContentType.JSON).body("{\"scopes\":[\"root\"]}").post("/api/v1/keys").then(), 422);
        problem(as(t).contentType(ContentType.JSON).body("{\"settings\":{\"big\":\"" + "x".repeat(20_000) + "\"}}")
                .patch("/api/v1/tenant").then(), 422);
    }

    @Test
    void signupCannotPickAPaidPlan() {
        problem(given().contentType(ContentType.JSON).body("{\"slug\":\"rich-" + System.nanoTime() + "\",\"name\":\"x\",\"plan\":\"enterprise\"}")
                .post("/api/v1/signup").then(), 403);
    }

    @Test
    void oversizedJsonBodiesAre413() {
        Tenant t = TestApi.signup();
        String huge = "{\"settings\":{\"big\":\"" + "x".repeat(100_000) + "\"}}";
        problem(as(t).contentType(ContentType.JSON).body(huge).patch("/api/v1/tenant").then(), 413);
    }

    @Test
    void chunkedJsonBodiesMustDeclareTheirLength() throws Exception {
        Tenant t = TestApi.signup();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/api/v1/tenant"))
                .header("Authorization", "Bearer " + t.key()).header("Content-Type", "application/json")
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream("{\"name\":\"chunked\"}".getBytes())))
                .build();
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        org.junit.jupiter.api.Assertions.assertEquals(411, response.statusCode(), response.body());
        org.junit.jupiter.api.Assertions.assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void invalidUuidsAre400() {
        Tenant t = TestApi.signup();
        problem(as(t).delete("/api/v1/keys/not-a-uuid").then(), 400);
        problem(asAdmin().get("/admin/tenants/12345").then(), 400);
        problem(asAdmin().get("/admin/tenants/" + java.util.UUID.randomUUID()).then(), 404);
        problem(as(t).delete("/api/v1/keys/" + java.util.UUID.randomUUID()).then(), 404);
    }

    @Test
    void wrongMediaTypeIs415() {
        problem(given().contentType(ContentType.XML).body("<slug/>").post("/api/v1/signup").then(), 415);
    }

    @Test
    void unknownRoutesAre404AndWrongMethodsAre405() {
        Tenant t = TestApi.signup();
        problem(as(t).get("/api/v1/nothing-here").then(), 404);
        problem(as(t).put("/api/v1/keys").then(), 405);
    }

    @Test
    void theAdminApiNeedsTheAdminCredential() {
        problem(given().get("/admin/tenants").then(), 401);
        problem(given().header("Authorization", "Bearer wrong").get("/admin/tenants").then(), 401);
        Tenant t = TestApi.signup();
        problem(as(t).get("/admin/tenants").then(), 401);
    }

    @Test
    void theRequestIdIsEchoedAndCarriedInProblems() {
        given().header("X-Request-Id", "trace-123").get("/api/v1/tenant").then().statusCode(401)
                .header("X-Request-Id", "trace-123").body("requestId", equalTo("trace-123"));
    }
}
