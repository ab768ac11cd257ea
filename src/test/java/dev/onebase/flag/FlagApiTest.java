package dev.onebase.flag;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class FlagApiTest {

    static final String F = "/api/v1/flags/";
    static final String CHECKOUT = """
            {"description":"new checkout","variants":{"on":true,"off":false},"defaultVariant":"off",
             "rules":[{"conditions":[{"attribute":"country","operator":"in","values":["DE","FR"]}],"variant":"on"}],
             "rollout":{"variants":[{"variant":"on","weight":30},{"variant":"off","weight":70}]}}
            """;

    static io.restassured.response.ValidatableResponse eval(Tenant t, String key, String context) {
        return as(t).contentType(ContentType.JSON).body("{\"context\":" + context + "}").post(F + key + "/evaluate").then().statusCode(200);
    }

    @Test
    void crudAndEvaluation() {
        Tenant t = TestApi.signup();
        as(t).contentType(ContentType.JSON).body(CHECKOUT).put(F + "checkout").then().statusCode(201)
                .body("key", equalTo("checkout")).body("enabled", equalTo(true)).body("offVariant", equalTo("off"));
        as(t).contentType(ContentType.JSON).body(CHECKOUT).put(F + "checkout").then().statusCode(200);
        as(t).get(F + "checkout").then().statusCode(200).body("rules[0].conditions[0].values[1]", equalTo("FR"))
                .body("rollout.variants[0].weight", equalTo(30.0f));
        as(t).get("/api/v1/flags").then().body("size()", equalTo(1));
        eval(t, "checkout", "{\"targetingKey\":\"u1\",\"country\":\"FR\"}").body("reason", equalTo("TARGETING_MATCH"))
                .body("value", equalTo(true)).body("variant", equalTo("on"));
        String variant = eval(t, "checkout", "{\"targetingKey\":\"u1\",\"country\":\"US\"}").body("reason", equalTo("SPLIT")).extract().path("variant");
        for (int i = 0; i < 5; i++) {
            eval(t, "checkout", "{\"targetingKey\":\"u1\",\"country\":\"US\"}").body("variant", equalTo(variant));
        }
        eval(t, "checkout", "{\"country\":\"US\"}").body("reason", equalTo("ERROR")).body("errorCode", equalTo("TARGETING_KEY_MISSING"))
                .body("value", equalTo(false));
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"a\":\"blue\",\"b\":{\"color\":\"green\"}},\"defaultVariant\":\"b\"}")
                .put(F + "theme").then().statusCode(201);
        eval(t, "theme", "{}").body("reason", equalTo("STATIC")).body("value.color", equalTo("green")).body("errorCode", nullValue());
        as(t).contentType(ContentType.JSON).body("{\"enabled\":false,\"variants\":{\"a\":\"blue\",\"b\":\"green\"},\"defaultVariant\":\"b\",\"offVariant\":\"a\"}")
                .put(F + "theme").then().statusCode(200);
        eval(t, "theme", "{}").body("reason", equalTo("DISABLED")).body("value", equalTo("blue"));
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"plan\",\"operator\":\"eq\",\"values\":[\"pro\"]}],\"variant\":\"on\"}]}")
                .put(F + "pro-only").then().statusCode(201);
        eval(t, "pro-only", "{\"plan\":\"free\"}").body("reason", equalTo("DEFAULT")).body("value", equalTo(false));
        as(t).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"u9\",\"plan\":\"pro\"}}").post(F + "evaluate").then()
                .statusCode(200).body("flags.size()", equalTo(3)).body("flags.find { it.key == 'pro-only' }.reason", equalTo("TARGETING_MATCH"));
        as(t).delete(F + "theme").then().statusCode(204);
        problem(as(t).delete(F + "theme").then(), 404, "FLAG_NOT_FOUND");
        problem(as(t).get(F + "theme").then(), 404, "FLAG_NOT_FOUND");
        problem(as(t).contentType(ContentType.JSON).body("{}").post(F + "theme/evaluate").then(), 404, "FLAG_NOT_FOUND");
    }

    @Test
    void badDefinitionsAreAProblem() {
        Tenant t = TestApi.signup();
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{},\"defaultVariant\":\"on\"}").put(F + "x").then(), 422, "variants");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"off\"}").put(F + "x").then(), 422,
                "defaultVariant");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\",\"offVariant\":\"nope\"}")
                .put(F + "x").then(), 422, "offVariant");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"on\","
                + "\"rollout\":{\"variants\":[{\"variant\":\"on\",\"weight\":60},{\"variant\":\"off\",\"weight\":60}]}}").put(F + "x").then(), 422,
                "add up to 100");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"a\",\"operator\":\"like\",\"values\":[\"x\"]}],\"variant\":\"on\"}]}")
                .put(F + "x").then(), 422, "operator must be one of");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\","
                + "\"rules\":[{\"conditions\":[{\"attribute\":\"a\",\"operator\":\"eq\",\"values\":[]}],\"variant\":\"on\"}]}")
                .put(F + "x").then(), 422, "takes one value");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\",\"rules\":[{\"conditions\":[]}]}")
                .put(F + "x").then(), 422, "exactly one of variant or rollout");
        problem(as(t).contentType(ContentType.JSON).body("{\"key\":\"y\",\"variants\":{\"on\":true},\"defaultVariant\":\"on\"}").put(F + "x")
                .then(), 400, "differs");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\"}").put(F + "bad%20key").then(),
                400, "flag key");
        problem(as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true},\"defaultVariant\":\"on\",\"colour\":1}").put(F + "x")
                .then(), 400, "colour");
        problem(as(t).contentType(ContentType.JSON).body("{\"context\":[1]}").post(F + "evaluate").then(), 400, "context must be a JSON object");
    }
}
