package dev.onebase.tenant;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class TenantApiTest {

    @Test
    void signupReturnsTheKeyOnceAndTheKeyWorks() {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200)
                .body("id", equalTo(t.id().toString()))
                .body("slug", equalTo(t.slug()))
                .body("plan", equalTo("free"))
                .body("status", equalTo("active"))
                .body("limits.requestsPerMinute", equalTo(600));
        as(t).get("/api/v1/keys").then().statusCode(200)
                .body("[0].prefix", startsWith("ob_"))
                .body("[0].secret", nullValue())
                .body("[0].lastUsedAt", notNullValue());
    }

    @Test
    void settingsMergeAndNullRemovesAKey() {
        Tenant t = TestApi.signup();
        as(t).contentType(ContentType.JSON).body("{\"settings\":{\"theme\":\"dark\",\"beta\":true}}")
                .patch("/api/v1/tenant").then().statusCode(200).body("settings.theme", equalTo("dark"));
        as(t).contentType(ContentType.JSON).body("{\"name\":\"Renamed\",\"settings\":{\"beta\":null}}")
                .patch("/api/v1/tenant").then().statusCode(200)
                .body("name", equalTo("Renamed"))
                .body("settings.theme", equalTo("dark"))
                .body("settings.beta", nullValue());
    }

    @Test
    void keysCanBeCreatedScopedAndRevoked() {
        Tenant t = TestApi.signup();
        String readOnly = as(t).contentType(ContentType.JSON).body("{\"name\":\"ci\",\"scopes\":[\"read\"]}")
                .post("/api/v1/keys").then().statusCode(201).body("key.scopes", equalTo(java.util.List.of("read")))
                .extract().path("secret");
        String keyId = as(new Tenant(t.id(), t.slug(), readOnly)).get("/api/v1/keys").then().statusCode(200)
                .extract().path("find { it.name == 'ci' }.id");
        Tenant reader = new Tenant(t.id(), t.slug(), readOnly);
        as(reader).get("/api/v1/tenant").then().statusCode(200);
        as(reader).contentType(ContentType.JSON).body("{\"name\":\"nope\"}").patch("/api/v1/tenant")
                .then().statusCode(403).contentType("application/problem+json").body("detail", equalTo("The API key lacks the 'manage' scope"));
        as(t).delete("/api/v1/keys/" + keyId).then().statusCode(200).body("revokedAt", notNullValue());
        as(reader).get("/api/v1/tenant").then().statusCode(401).contentType("application/problem+json");
        as(t).get("/api/v1/keys").then().body("revokedAt", hasItem(notNullValue()));
    }

    @Test
    void duplicateSlugIsAConflict() {
        Tenant t = TestApi.signup();
        given().contentType(ContentType.JSON).body("{\"slug\":\"" + t.slug() + "\",\"name\":\"again\"}")
                .post("/api/v1/signup").then().statusCode(409).contentType("application/problem+json")
                .body("status", equalTo(409));
    }

    @Test
    void adminLifecycleSuspendDeleteRestorePurge() {
        Tenant t = TestApi.signup();
        String path = "/admin/tenants/" + t.id();
        asAdmin().get(path).then().statusCode(200).body("slug", equalTo(t.slug()));
        asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"pro\"}").put(path + "/plan").then().statusCode(200)
                .body("plan", equalTo("pro")).body("limits.requestsPerMinute", equalTo(6000));
        asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"gold\"}").put(path + "/plan").then().statusCode(422);

        asAdmin().post(path + "/suspend").then().statusCode(200).body("status", equalTo("suspended"));
        as(t).get("/api/v1/tenant").then().statusCode(403).body("detail", equalTo("The tenant is suspended"));
        asAdmin().post(path + "/resume").then().statusCode(200).body("status", equalTo("active"));
        as(t).get("/api/v1/tenant").then().statusCode(200);

        asAdmin().delete(path).then().statusCode(200).body("status", equalTo("deleted")).body("deletedAt", notNullValue());
        as(t).get("/api/v1/tenant").then().statusCode(401);
        asAdmin().post(path + "/purge").then().statusCode(409);
        asAdmin().post(path + "/restore").then().statusCode(200).body("status", equalTo("active"));
        as(t).get("/api/v1/tenant").then().statusCode(200);

        asAdmin().delete(path).then().statusCode(200);
        asAdmin().post(path + "/purge?force=true").then().statusCode(204);
        asAdmin().get(path).then().statusCode(404).contentType("application/problem+json");
        as(t).get("/api/v1/tenant").then().statusCode(401);
    }

    @Test
    void adminListsAcrossTenantsWithPaging() {
        Tenant a = TestApi.signup("list-a-" + System.nanoTime());
        TestApi.signup("list-b-" + System.nanoTime());
        asAdmin().queryParam("limit", 1).queryParam("after", "list-a-").get("/admin/tenants").then().statusCode(200)
                .body("items.size()", equalTo(1)).body("items[0].slug", equalTo(a.slug())).body("next", equalTo(a.slug()));
        asAdmin().queryParam("limit", 0).get("/admin/tenants").then().statusCode(400);
        asAdmin().queryParam("status", "weird").get("/admin/tenants").then().statusCode(400);
    }
}
