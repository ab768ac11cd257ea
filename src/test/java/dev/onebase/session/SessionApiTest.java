package dev.onebase.session;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import dev.onebase.auth.ApiKeys;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class SessionApiTest {

    static final String S = "/api/v1/sessions";

    static String create(Tenant t, String body) {
        return as(t).contentType(ContentType.JSON).body(body).post(S).then().statusCode(201).extract().path("token");
    }

    @Test
    void createReadUpdateDestroyStoresOnlyTheHash() throws Exception {
        Tenant t = TestApi.signup();
        String token = as(t).contentType(ContentType.JSON).body("{\"userId\":\"alice\",\"data\":{\"cart\":[1,2]}}").post(S).then()
                .statusCode(201).body("session.userId", equalTo("alice")).body("session.data.cart[1]", equalTo(2))
                .body("session.idleTimeoutSeconds", equalTo(1800)).extract().path("token");
        byte[] raw = Base64.getUrlDecoder().decode(token);
        assertEquals(32, raw.length, "256 random bits");
        as(t).header("X-Session-Token", token).get(S + "/current").then().statusCode(200).body("userId", equalTo("alice"))
                .body("handle", notNullValue());
        as(t).header("X-Session-Token", token).contentType(ContentType.JSON).body("{\"data\":{\"theme\":\"dark\"}}").put(S + "/current")
                .then().statusCode(200).body("data.theme", equalTo("dark")).body("data.cart", equalTo(null));
        try (Connection c = Db.superuser()) {
            byte[] hash = ApiKeys.sha256(token.getBytes(StandardCharsets.UTF_8));
            assertEquals(1, Db.count(c, "select count(*) from sessions where tenant_id = ? and id = ?", t.id(), hash));
            assertEquals(0, Db.count(c, "select count(*) from sessions where position(convert_to(?, 'UTF8') in id) > 0 "
                    + "or data::text like '%' || ? || '%'", token, token));
        }
        as(t).header("X-Session-Token", token).delete(S + "/current").then().statusCode(204);
        problem(as(t).header("X-Session-Token", token).get(S + "/current").then(), 404, "No such session");
        problem(as(t).header("X-Session-Token", token).delete(S + "/current").then(), 404, "No such session");
    }

    @Test
    void readingSlidesTheExpiryUntilTheAbsoluteLimit() {
        Tenant t = TestApi.signup();
        String sliding = create(t, "{\"userId\":\"bob\",\"idleTimeoutSeconds\":2}");
        String capped = create(t, "{\"userId\":\"bob\",\"idleTimeoutSeconds\":2,\"maxAgeSeconds\":3}");
        String idle = create(t, "{\"userId\":\"bob\",\"idleTimeoutSeconds\":1}");
        for (int i = 0; i < 3; i++) {
            Db.passTime("sessions", Duration.ofMillis(1200), "tenant_id = ?", t.id());
            as(t).header("X-Session-Token", sliding).get(S + "/current").then().statusCode(200);
            if (i < 1) {
                as(t).header("X-Session-Token", capped).get(S + "/current").then().statusCode(200);
            }
        }
        // 3.6 s after creation: the sliding one lives on, the capped one passed its 3 s, the idle one its 1 s
        as(t).header("X-Session-Token", sliding).get(S + "/current").then().statusCode(200);
        as(t).header("X-Session-Token", capped).get(S + "/current").then().statusCode(404);
        as(t).header("X-Session-Token", idle).get(S + "/current").then().statusCode(404);
    }

    @Test
    void listAndRevokeAUsersSessions() {
        Tenant t = TestApi.signup();
        create(t, "{\"userId\":\"carol\"}");
        String second = create(t, "{\"userId\":\"carol\"}");
        String other = create(t, "{\"userId\":\"dave\"}");
        String handle = as(t).queryParam("userId", "carol").get(S).then().statusCode(200).body("size()", equalTo(2))
                .extract().path("[0].handle");
        as(t).delete(S + "/" + handle).then().statusCode(204);
        problem(as(t).delete(S + "/" + handle).then(), 404, "No such session");
        problem(as(t).delete(S + "/not-base64!").then(), 404, "No such session");
        as(t).header("X-Session-Token", second).get(S + "/current").then().statusCode(404);
        create(t, "{\"userId\":\"carol\"}");
        as(t).queryParam("userId", "carol").delete(S).then().statusCode(200).body("revoked", equalTo(2));
        as(t).queryParam("userId", "carol").get(S).then().body("size()", equalTo(0));
        as(t).header("X-Session-Token", other).get(S + "/current").then().statusCode(200);
    }

    @Test
    void badInputIsAProblem() throws Exception {
        Tenant t = TestApi.signup();
        problem(as(t).contentType(ContentType.JSON).body("{}").post(S).then(), 400, "userId is required");
        problem(as(t).contentType(ContentType.JSON).body("{\"userId\":\"" + "u".repeat(257) + "\"}").post(S).then(), 400, "userId");
        problem(as(t).contentType(ContentType.JSON).body("{\"userId\":\"u\",\"idleTimeoutSeconds\":0}").post(S).then(), 400, "idleTimeoutSeconds");
        problem(as(t).contentType(ContentType.JSON).body("{\"userId\":\"u\",\"maxAgeSeconds\":-1}").post(S).then(), 400, "maxAgeSeconds");
        problem(as(t).contentType(ContentType.JSON).body("{\"userId\":\"u\",\"data\":[1]}").post(S).then(), 400, "data");
        problem(as(t).get(S + "/current").then(), 400, "X-Session-Token");
        problem(as(t).header("X-Session-Token", "forged").get(S + "/current").then(), 404, "No such session");
        problem(as(t).get(S).then(), 400, "userId is required");
        String token = create(t, "{\"userId\":\"u\"}");
        problem(as(t).header("X-Session-Token", token).contentType(ContentType.JSON).body("{}").put(S + "/current").then(), 400, "data");
        assertTrue(token.length() >= 43);
    }
}
