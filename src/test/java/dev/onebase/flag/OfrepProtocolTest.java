package dev.onebase.flag;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/**
 * The OpenFeature Remote Evaluation Protocol's shapes, checked against its published schema (service/openapi.yaml of
 * open-feature/protocol): evaluationSuccess, evaluationFailure, flagNotFound, bulkEvaluationSuccess, ETag and 304.
 */
@QuarkusTest
class OfrepProtocolTest {

    static final String OFREP = "/ofrep/v1/evaluate/flags";

    static Tenant withFlags() {
        Tenant t = TestApi.signup();
        put(t, "checkout", FlagApiTest.CHECKOUT);
        put(t, "theme", "{\"variants\":{\"blue\":\"blue\",\"green\":\"green\"},\"defaultVariant\":\"green\"}");
        return t;
    }

    static void put(Tenant t, String key, String body) {
        as(t).contentType(ContentType.JSON).body(body).put("/api/v1/flags/" + key).then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    static RequestSpecification ofrep(Tenant t, String context) {
        return as(t).contentType(ContentType.JSON).body("{\"context\":" + context + "}");
    }

    static Tenant readOnlyKey(Tenant t) {
        String secret = as(t).contentType(ContentType.JSON).body("{\"name\":\"provider\",\"scopes\":[\"read\"]}").post("/api/v1/keys").then()
                .statusCode(201).extract().path("secret");
        return new Tenant(t.id(), t.slug(), secret);
    }

    @Test
    void singleEvaluationAnswersInTheProtocolShape() {
        Tenant t = withFlags();
        ofrep(t, "{\"targetingKey\":\"u1\",\"country\":\"DE\"}").post(OFREP + "/checkout").then().statusCode(200)
                .contentType(ContentType.JSON).body("key", equalTo("checkout")).body("value", equalTo(true)).body("variant", equalTo("on"))
                .body("reason", equalTo("TARGETING_MATCH")).body("metadata.description", equalTo("new checkout"))
                .body("errorCode", nullValue()).header("X-Request-Id", notNullValue());
        ofrep(t, "{\"targetingKey\":\"u1\",\"country\":\"US\"}").post(OFREP + "/checkout").then().statusCode(200).body("reason", equalTo("SPLIT"));
        ofrep(t, "{}").post(OFREP + "/theme").then().statusCode(200).body("value", equalTo("green")).body("reason", equalTo("STATIC"))
                .body("metadata", anEmptyMap());
    }

    @Test
    void errorsAnswerInTheProtocolShape() {
        Tenant t = withFlags();
        ofrep(t, "{\"targetingKey\":\"u1\"}").post(OFREP + "/nope").then().statusCode(404).contentType(ContentType.JSON)
                .body("key", equalTo("nope")).body("errorCode", equalTo("FLAG_NOT_FOUND")).body("errorDetails", notNullValue());
        ofrep(t, "{\"country\":\"US\"}").post(OFREP + "/checkout").then().statusCode(400)
                .body("key", equalTo("checkout")).body("errorCode", equalTo("TARGETING_KEY_MISSING")).body("errorDetails", notNullValue())
                .body("value", nullValue());
        ofrep(t, "{\"targetingKey\":\"u1\",\"n\":1e999}").post(OFREP + "/checkout").then().statusCode(400)
                .body("key", equalTo("checkout")).body("errorCode", equalTo("INVALID_CONTEXT")).body("errorDetails", equalTo("context.n: the number is out of range"));
        ofrep(t, "[1]").post(OFREP + "/checkout").then().statusCode(400).body("errorCode", equalTo("INVALID_CONTEXT"));
        as(t).contentType(ContentType.JSON).body("{\"context\":{} trailing").post(OFREP + "/checkout").then().statusCode(400)
                .body("errorCode", equalTo("PARSE_ERROR"));
        as(t).contentType(ContentType.JSON).body("{\"context\":{}}").post(OFREP + "/a%00b").then().statusCode(400)
                .body("errorCode", equalTo("GENERAL")).body("errorDetails", org.hamcrest.Matchers.containsString("flag key"));
        ofrep(t, "{\"n\":1e999}").post(OFREP).then().statusCode(400).body("errorCode", equalTo("INVALID_CONTEXT")).body("key", nullValue());
        // a bulk answer holds the failures of single flags as items
        ofrep(t, "{\"country\":\"US\"}").post(OFREP).then().statusCode(200)
                .body("flags.find { it.key == 'checkout' }.errorCode", equalTo("TARGETING_KEY_MISSING"))
                .body("flags.find { it.key == 'theme' }.value", equalTo("green"));
    }

    @Test
    void theTenantsApiKeyAuthenticatesAsBearerOrXApiKeyAndReadIsEnough() {
        Tenant t = withFlags();
        Tenant reader = readOnlyKey(t);
        ofrep(reader, "{}").post(OFREP + "/theme").then().statusCode(200).body("value", equalTo("green"));
        given().header("X-API-Key", reader.key()).contentType(ContentType.JSON).body("{\"context\":{}}").post(OFREP + "/theme").then()
                .statusCode(200).body("value", equalTo("green"));
        given().header("X-API-Key", reader.key()).contentType(ContentType.JSON).body("{\"context\":{}}").post(OFREP).then()
                .statusCode(200).body("flags.size()", equalTo(2));
        problem(given().contentType(ContentType.JSON).body("{\"context\":{}}").post(OFREP + "/theme").then(), 401);
        problem(given().header("X-API-Key", "ob_nope").contentType(ContentType.JSON).body("{\"context\":{}}").post(OFREP).then(), 401);
        // another tenant's key sees its own (empty) set of flags
        ofrep(TestApi.signup(), "{}").post(OFREP + "/theme").then().statusCode(404).body("errorCode", equalTo("FLAG_NOT_FOUND"));
    }

    @Test
    void bulkEvaluationCachesThroughETag() {
        Tenant t = withFlags();
        String context = "{\"targetingKey\":\"u1\",\"country\":\"DE\"}";
        var first = ofrep(t, context).post(OFREP).then().statusCode(200).header("ETag", notNullValue())
                .body("flags.size()", equalTo(2)).body("flags.find { it.key == 'checkout' }.value", equalTo(true)).extract();
        String etag = first.header("ETag");
        ofrep(t, context).header("If-None-Match", etag).post(OFREP).then().statusCode(304).header("ETag", equalTo(etag))
                .body(emptyString());
        ofrep(t, context).header("If-None-Match", "W/" + etag + ", \"other\"").post(OFREP).then().statusCode(304);
        // another context is another answer
        String other = ofrep(t, "{\"targetingKey\":\"u1\",\"country\":\"US\"}").header("If-None-Match", etag).post(OFREP).then()
                .statusCode(200).extract().header("ETag");
        assertNotEquals(etag, other);
        // a changed flag is another answer
        put(t, "theme", "{\"variants\":{\"blue\":\"blue\",\"green\":\"green\"},\"defaultVariant\":\"blue\"}");
        String changed = ofrep(t, context).header("If-None-Match", etag).post(OFREP).then().statusCode(200)
                .body("flags.find { it.key == 'theme' }.value", equalTo("blue")).extract().header("ETag");
        assertNotEquals(etag, changed);
        ofrep(t, context).header("If-None-Match", changed).post(OFREP).then().statusCode(304);
        assertEquals(changed, ofrep(t, context).post(OFREP).then().statusCode(200).extract().header("ETag"));
    }

    @Test
    void theOnebaseEvaluationRoutesNeedOnlyTheReadScope() {
        Tenant t = withFlags();
        Tenant reader = readOnlyKey(t);
        as(reader).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"u1\",\"country\":\"FR\"}}")
                .post("/api/v1/flags/checkout/evaluate").then().statusCode(200).body("reason", equalTo("TARGETING_MATCH"));
        as(reader).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"u1\"}}").post("/api/v1/flags/evaluate").then()
                .statusCode(200).body("flags.size()", equalTo(2));
        problem(as(reader).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\"}").put("/api/v1/flags/x")
                .then(), 403, "write");
        problem(as(t).contentType(ContentType.TEXT).body("hello").post("/api/v1/flags/evaluate").then(), 415);
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{\"pad\":\"" + "x".repeat(70_000) + "\"}}")
                .post("/api/v1/flags/evaluate").then(), 413);
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{}} {}").post("/api/v1/flags/evaluate").then(), 400, "not valid JSON");
        as(t).contentType(ContentType.JSON).post("/api/v1/flags/theme/evaluate").then().statusCode(200).body("value", equalTo("green"));
        given().get("/q/metrics").then().statusCode(200).body(org.hamcrest.Matchers.containsString("/ofrep/v1/evaluate/flags/{key}"))
                .body(not(org.hamcrest.Matchers.containsString("/ofrep/v1/evaluate/flags/theme")));
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/ofrep/v1/evaluate/flags/{key}'.post.operationId", equalTo("FlagEvaluationRoutes_ofrep"))
                .body("paths.'/ofrep/v1/evaluate/flags'.post.responses.'304'", notNullValue())
                .body("paths.'/api/v1/flags/{key}/evaluate'.post.operationId", equalTo("FlagEvaluationRoutes_evaluate"))
                .body("paths.'/api/v1/flags/evaluate'.post", notNullValue());
    }
}
