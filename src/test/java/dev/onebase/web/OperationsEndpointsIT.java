package dev.onebase.web;

import static io.restassured.RestAssured.given;

import org.junit.jupiter.api.BeforeEach;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link OperationsEndpointsTest} against the packaged artifact: the probes and the metrics the Kubernetes manifests
 * use, served by what ships (the jar in {@code verify}, the native binary with {@code -Dnative}).
 */
@QuarkusIntegrationTest
class OperationsEndpointsIT extends OperationsEndpointsTest {

    /** The HTTP server metrics appear with the first application request; in a fresh process there may be none yet. */
    @BeforeEach
    void anApplicationRequestFirst() {
        given().get("/api/v1/tenant").then().statusCode(401);
    }
}
