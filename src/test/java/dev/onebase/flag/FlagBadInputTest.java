package dev.onebase.flag;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.path.json.config.JsonPathConfig.NumberReturnType;

/** Issue 12: inputs that answered 500, or were stored other than sent. */
@QuarkusTest
class FlagBadInputTest {

    static final String F = "/api/v1/flags/";

    static void put(Tenant t, String key, String body, int status, String detail) {
        problem(as(t).contentType(ContentType.JSON).body(body).put(F + key).then(), status, detail);
    }

    @Test
    void anOutOfRangeNumberInTheContextIsABadRequest() {
        Tenant t = TestApi.signup();
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"n\",\"operator\":\"gt\",\"values\":[1]}],\"variant\":\"on\"}]}")
                .put(F + "big").then().statusCode(201);
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{\"n\":1e999}}").post(F + "big/evaluate").then(), 400, "n");
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{\"n\":-1e999}}").post(F + "evaluate").then(), 400, "n");
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{\"deep\":{\"n\":[1e999]}}}").post(F + "evaluate").then(), 400, "deep");
    }

    @Test
    void anOutOfRangeNumberInAFlagIsRefusedNotStoredAsText() {
        Tenant t = TestApi.signup();
        put(t, "inf", "{\"variants\":{\"on\":1e999,\"off\":0},\"defaultVariant\":\"off\"}", 422, "variants.on");
        put(t, "inf", "{\"variants\":{\"on\":{\"x\":[1e999]},\"off\":0},\"defaultVariant\":\"off\"}", 422, "variants.on");
        put(t, "inf", "{\"variants\":{\"on\":1,\"off\":0},\"defaultVariant\":\"off\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"n\",\"operator\":\"lt\",\"values\":[1e999]}],\"variant\":\"on\"}]}", 422, "values");
        put(t, "inf", "{\"variants\":{\"on\":1,\"off\":0},\"defaultVariant\":\"off\","
                + "\"rollout\":{\"variants\":[{\"variant\":\"on\",\"weight\":1e999},{\"variant\":\"off\",\"weight\":0}]}}", 422, "weight");
        as(t).get(F + "inf").then().statusCode(404);
        // a large number that is finite keeps its value
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"big\":1e300,\"off\":0},\"defaultVariant\":\"big\"}").put(F + "big")
                .then().statusCode(201);
        String answer = as(t).contentType(ContentType.JSON).body("{\"context\":{}}").post(F + "big/evaluate").then().statusCode(200)
                .extract().asString();
        Object value = JsonPath.with(answer).using(JsonPathConfig.jsonPathConfig().numberReturnType(NumberReturnType.BIG_DECIMAL))
                .get("value");
        assertEquals(0, new BigDecimal(value.toString()).compareTo(new BigDecimal("1e300")), answer);
        as(t).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"u\"}}").post(F + "evaluate").then().statusCode(200)
                .body("flags.size()", equalTo(1));
    }

    @Test
    void aFlagHoldingAnOutOfRangeNumberDoesNotBreakEvaluateAll() {
        Tenant t = TestApi.signup();
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\"}").put(F + "plain")
                .then().statusCode(201);
        put(t, "holder", "{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"n\",\"operator\":\"gte\",\"values\":[1e999]}],\"variant\":\"on\"}]}", 422, "values[0]");
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"u\",\"n\":1e999}}").post(F + "evaluate").then(), 400,
                "context.n");
        as(t).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"u\",\"n\":5}}").post(F + "evaluate").then()
                .statusCode(200).body("flags.size()", equalTo(1)).body("flags[0].value", equalTo(false));
    }

    @Test
    void aNullVariantIsRefused() {
        Tenant t = TestApi.signup();
        put(t, "nul", "{\"variants\":{\"on\":null,\"off\":false},\"defaultVariant\":\"off\"}", 422, "value");
        as(t).get(F + "nul").then().statusCode(404);
    }

    @Test
    void aNulCharacterIsABadRequestNotAServerError() {
        Tenant t = TestApi.signup();
        problem(as(t).get(F + "a%00b").then(), 400, "flag key");
        problem(as(t).delete(F + "a%00b").then(), 400, "flag key");
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{}}").post(F + "a%00b/evaluate").then(), 400, "flag key");
        put(t, "a%00b", "{\"variants\":{\"on\":true},\"defaultVariant\":\"on\"}", 400, "flag key");
        put(t, "nul", "{\"description\":\"a\\u0000b\",\"variants\":{\"on\":true},\"defaultVariant\":\"on\"}", 422, "NUL");
        put(t, "nul", "{\"variants\":{\"o\\u0000n\":true},\"defaultVariant\":\"o\\u0000n\"}", 422, "NUL");
        put(t, "nul", "{\"variants\":{\"on\":\"a\\u0000b\"},\"defaultVariant\":\"on\"}", 422, "NUL");
        put(t, "nul", "{\"variants\":{\"on\":{\"a\\u0000\":1}},\"defaultVariant\":\"on\"}", 422, "NUL");
        put(t, "nul", "{\"variants\":{\"on\":true},\"defaultVariant\":\"on\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"a\\u0000\",\"operator\":\"eq\",\"values\":[\"x\"]}],\"variant\":\"on\"}]}", 422, "NUL");
        put(t, "nul", "{\"variants\":{\"on\":true},\"defaultVariant\":\"on\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"a\",\"operator\":\"eq\",\"values\":[\"x\\u0000\"]}],\"variant\":\"on\"}]}", 422, "NUL");
        as(t).get(F + "nul").then().statusCode(404);
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\"}").put(F + "ok").then().statusCode(201);
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"a\\u0000b\"}}").post(F + "ok/evaluate").then(),
                400, "context.targetingKey must not contain a NUL");
    }
}
