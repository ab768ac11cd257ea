package dev.onebase.flag;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import dev.openfeature.contrib.providers.ofrep.OfrepProvider;
import dev.openfeature.contrib.providers.ofrep.OfrepProviderOptions;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.Value;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/** The OpenFeature Java SDK with its OFREP provider, pointed at onebase with a read-only API key, evaluates its flags. */
@QuarkusTest
class OpenFeatureOfrepTest {

    static Client client(String domain, String header, String value) {
        OfrepProvider provider = OfrepProvider.constructProvider(OfrepProviderOptions.builder()
                .baseUrl("http://localhost:" + RestAssured.port)
                .headers(ImmutableMap.of(header, ImmutableList.of(value)))
                .requestTimeout(Duration.ofSeconds(10))
                .build());
        OpenFeatureAPI.getInstance().setProviderAndWait(domain, provider);
        return OpenFeatureAPI.getInstance().getClient(domain);
    }

    static EvaluationContext user(String targetingKey, Map<String, Value> attributes) {
        return new ImmutableContext(targetingKey, attributes);
    }

    static Tenant tenantWithFlags() {
        Tenant t = TestApi.signup();
        String[][] flags = {
            {"dark-mode", "{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\",\"rules\":[{\"conditions\":"
                    + "[{\"attribute\":\"country\",\"operator\":\"in\",\"values\":[\"DE\",\"FR\"]}],\"variant\":\"on\"}]}"},
            {"banner", "{\"variants\":{\"plain\":\"Welcome\",\"sale\":\"50% off\"},\"defaultVariant\":\"plain\",\"rules\":[{\"conditions\":"
                    + "[{\"attribute\":\"plan\",\"operator\":\"eq\",\"values\":[\"free\"]}],\"variant\":\"sale\"}]}"},
            {"max-items", "{\"variants\":{\"few\":10,\"many\":250},\"defaultVariant\":\"few\",\"rules\":[{\"conditions\":"
                    + "[{\"attribute\":\"age\",\"operator\":\"gte\",\"values\":[18]}],\"variant\":\"many\"}]}"},
            {"ratio", "{\"variants\":{\"low\":0.25,\"high\":0.75},\"defaultVariant\":\"high\"}"},
            {"layout", "{\"description\":\"page layout\",\"variants\":{\"wide\":{\"columns\":3,\"sidebar\":true},\"narrow\":{\"columns\":1,"
                    + "\"sidebar\":false}},\"defaultVariant\":\"wide\"}"},
            {"new-checkout", "{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\",\"rollout\":{\"variants\":"
                    + "[{\"variant\":\"on\",\"weight\":50},{\"variant\":\"off\",\"weight\":50}]}}"},
            {"kill-switch", "{\"enabled\":false,\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"on\",\"offVariant\":\"off\"}"},
        };
        for (String[] f : flags) {
            as(t).contentType(ContentType.JSON).body(f[1]).put("/api/v1/flags/" + f[0]).then().statusCode(201);
        }
        return t;
    }

    static String readOnlyKey(Tenant t) {
        return as(t).contentType(ContentType.JSON).body("{\"name\":\"openfeature\",\"scopes\":[\"read\"]}").post("/api/v1/keys").then()
                .statusCode(201).extract().path("secret");
    }

    @Test
    void theSdkEvaluatesEveryTypeWithTargeting() {
        Tenant t = tenantWithFlags();
        Client flags = client("onebase-types", "Authorization", "Bearer " + readOnlyKey(t));
        EvaluationContext german = user("u-1", Map.of("country", new Value("DE"), "plan", new Value("free"), "age", new Value(30)));
        EvaluationContext american = user("u-2", Map.of("country", new Value("US"), "plan", new Value("pro"), "age", new Value(12)));

        FlagEvaluationDetails<Boolean> dark = flags.getBooleanDetails("dark-mode", false, german);
        assertEquals(true, dark.getValue());
        assertEquals("on", dark.getVariant());
        assertEquals("TARGETING_MATCH", dark.getReason());
        assertNull(dark.getErrorCode());
        FlagEvaluationDetails<Boolean> notDark = flags.getBooleanDetails("dark-mode", true, american);
        assertEquals(false, notDark.getValue());
        assertEquals("DEFAULT", notDark.getReason());

        assertEquals("50% off", flags.getStringValue("banner", "?", german));
        assertEquals("Welcome", flags.getStringValue("banner", "?", american));

        assertEquals(250, flags.getIntegerValue("max-items", 0, german));
        assertEquals(10, flags.getIntegerValue("max-items", 0, american));
        FlagEvaluationDetails<Double> ratio = flags.getDoubleDetails("ratio", 0.0, german);
        assertEquals(0.75, ratio.getValue());
        assertEquals("STATIC", ratio.getReason());

        FlagEvaluationDetails<Value> layout = flags.getObjectDetails("layout", new Value(), german);
        assertEquals(3, layout.getValue().asStructure().getValue("columns").asInteger());
        assertEquals(true, layout.getValue().asStructure().getValue("sidebar").asBoolean());
        assertEquals("page layout", layout.getFlagMetadata().getString("description"));

        FlagEvaluationDetails<Boolean> off = flags.getBooleanDetails("kill-switch", true, german);
        assertEquals(false, off.getValue());
        assertEquals("DISABLED", off.getReason());
    }

    @Test
    void aMissingFlagOrMissingTargetingKeyGivesTheCodeDefault() {
        Tenant t = tenantWithFlags();
        Client flags = client("onebase-missing", "X-API-Key", readOnlyKey(t));
        FlagEvaluationDetails<Boolean> missing = flags.getBooleanDetails("no-such-flag", true, user("u-1", Map.of()));
        assertEquals(true, missing.getValue());
        assertEquals(ErrorCode.FLAG_NOT_FOUND, missing.getErrorCode());
        FlagEvaluationDetails<Boolean> noKey = flags.getBooleanDetails("new-checkout", true, new ImmutableContext(Map.of()));
        assertEquals(true, noKey.getValue());
        assertEquals(ErrorCode.INVALID_CONTEXT, noKey.getErrorCode());
        // a type the flag does not hold
        FlagEvaluationDetails<Integer> wrongType = flags.getIntegerDetails("banner", 7, user("u-1", Map.of()));
        assertEquals(7, wrongType.getValue());
        assertEquals(ErrorCode.TYPE_MISMATCH, wrongType.getErrorCode());
    }

    @Test
    void theRolloutIsStickyAndSplitsAsConfigured() {
        Tenant t = tenantWithFlags();
        Client flags = client("onebase-rollout", "Authorization", "Bearer " + readOnlyKey(t));
        int on = 0;
        for (int i = 0; i < 200; i++) {
            EvaluationContext u = user("user-" + i, Map.of());
            FlagEvaluationDetails<Boolean> d = flags.getBooleanDetails("new-checkout", false, u);
            assertEquals("SPLIT", d.getReason());
            assertEquals(d.getValue(), flags.getBooleanValue("new-checkout", !d.getValue(), u), "sticky for user-" + i);
            boolean rest = as(t).contentType(ContentType.JSON).body("{\"context\":{\"targetingKey\":\"user-" + i + "\"}}")
                    .post("/api/v1/flags/new-checkout/evaluate").then().statusCode(200).extract().path("value");
            assertEquals(rest, d.getValue(), "the same answer as the onebase route for user-" + i);
            on += d.getValue() ? 1 : 0;
        }
        assertTrue(on > 70 && on < 130, "a 50% rollout served 'on' to " + on + " of 200");
    }
}
