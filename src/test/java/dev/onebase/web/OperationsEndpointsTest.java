package dev.onebase.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class OperationsEndpointsTest {

    @Test
    void healthSaysTheDatabaseIsReachable() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem(containsString("Reactive PostgreSQL")));
    }

    @Test
    void metricsAndOpenApiAreServed() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/tenant")).body(containsString("/admin/tenants/{id}/purge"));
    }
}
