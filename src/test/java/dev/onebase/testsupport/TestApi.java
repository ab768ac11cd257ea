package dev.onebase.testsupport;

import static io.restassured.RestAssured.given;

import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** What every HTTP test needs: fresh tenants with their first key, and requests made as a tenant or an admin. */
public final class TestApi {

    public static final String ADMIN_TOKEN = "test-admin-token";

    private TestApi() {
    }

    public record Tenant(UUID id, String slug, String key) {
    }

    public static Tenant signup() {
        return signup("t-" + UUID.randomUUID().toString().substring(0, 12));
    }

    public static Tenant signup(String slug) {
        ExtractableResponse<Response> r = given().contentType(ContentType.JSON)
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Tenant " + slug + "\"}")
                .post("/api/v1/signup").then().statusCode(201).extract();
        return new Tenant(UUID.fromString(r.path("tenant.id")), slug, r.path("apiKey.secret"));
    }

    public static RequestSpecification as(Tenant tenant) {
        return given().header("Authorization", "Bearer " + tenant.key());
    }

    public static RequestSpecification asAdmin() {
        return given().header("Authorization", "Bearer " + ADMIN_TOKEN);
    }
}
