package dev.onebase.flag;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;

import org.junit.jupiter.api.Test;

import dev.onebase.db.RlsAudit;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Every change of a flag is recorded (who, when, before and after), readable by the tenant and the operator, fenced by RLS. */
@QuarkusTest
class FlagHistoryTest {

    static final String F = "/api/v1/flags/";
    static final String V1 = "{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\"}";
    static final String V2 = "{\"description\":\"now on\",\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"on\"}";

    @Test
    void changesAreRecordedWithWhoWhenBeforeAndAfter() {
        Tenant t = TestApi.signup();
        String prefix = as(t).get("/api/v1/keys").then().statusCode(200).extract().path("[0].prefix");
        String keyId = as(t).get("/api/v1/keys").then().extract().path("[0].id");
        as(t).contentType(ContentType.JSON).body(V1).put(F + "beta").then().statusCode(201);
        as(t).contentType(ContentType.JSON).body(V1).put(F + "beta").then().statusCode(200); // no change: not recorded
        as(t).contentType(ContentType.JSON).body(V2).put(F + "beta").then().statusCode(200);
        asAdmin().contentType(ContentType.JSON).body(V1).put("/admin/tenants/" + t.id() + "/flags/beta").then().statusCode(200)
                .body("defaultVariant", equalTo("off"));
        as(t).delete(F + "beta").then().statusCode(204);

        as(t).get(F + "beta/history").then().statusCode(200).body("size()", equalTo(4))
                // newest first: the delete
                .body("[0].actor", equalTo("api-key")).body("[0].keyId", equalTo(keyId)).body("[0].keyPrefix", equalTo(prefix))
                .body("[0].before.defaultVariant", equalTo("off")).body("[0].after", nullValue()).body("[0].changedAt", notNullValue())
                .body("[1].actor", equalTo("admin")).body("[1].keyId", nullValue())
                .body("[1].before.description", equalTo("now on")).body("[1].after.defaultVariant", equalTo("off"))
                .body("[2].before.defaultVariant", equalTo("off")).body("[2].after.defaultVariant", equalTo("on"))
                .body("[2].after.variants.on", equalTo(true)).body("[2].after.rules.size()", equalTo(0))
                .body("[3].before", nullValue()).body("[3].after.key", equalTo("beta")).body("[3].after.enabled", equalTo(true));

        long second = ((Number) as(t).get(F + "beta/history").then().extract().path("[1].id")).longValue();
        as(t).get(F + "beta/history?limit=1").then().statusCode(200).body("size()", equalTo(1)).body("[0].after", nullValue());
        as(t).get(F + "beta/history?before=" + second).then().statusCode(200).body("size()", equalTo(2))
                .body("[0].after.defaultVariant", equalTo("on"));
        asAdmin().get("/admin/tenants/" + t.id() + "/flags/beta/history").then().statusCode(200).body("size()", equalTo(4));
        as(t).get(F + "never/history").then().statusCode(200).body("size()", equalTo(0));
        problem(as(t).get(F + "beta/history?limit=0").then(), 400, "limit");
        problem(as(t).get(F + "beta/history?before=x").then(), 400, "before");
        problem(as(t).get(F + "a%00b/history").then(), 400, "flag key");
        problem(asAdmin().get("/admin/tenants/nope/flags/beta/history").then(), 400, "UUID");
        problem(as(t).get("/admin/tenants/" + t.id() + "/flags/beta/history").then(), 401);
    }

    @Test
    void historyIsFencedByRowLevelSecurity() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        as(a).contentType(ContentType.JSON).body(V1).put(F + "shared").then().statusCode(201);
        as(b).contentType(ContentType.JSON).body(V2).put(F + "shared").then().statusCode(201);
        as(a).get(F + "shared/history").then().body("size()", equalTo(1)).body("[0].after.defaultVariant", equalTo("off"));
        as(b).get(F + "shared/history").then().body("size()", equalTo(1)).body("[0].after.defaultVariant", equalTo("on"));
        try (Connection c = Db.app()) {
            assertEquals(0, Db.count(c, "select count(*) from feature_flag_history"), "without a tenant");
            c.setAutoCommit(false);
            Db.exec(c, "select set_config('app.tenant_id', ?, true)", a.id().toString());
            assertTrue(Db.count(c, "select count(*) from feature_flag_history") > 0);
            assertEquals(0, Db.count(c, "select count(*) from feature_flag_history where tenant_id <> ?", a.id()));
            c.rollback();
            assertNull(Db.value(c, RlsAudit.QUERY), "the start-up audit finds nothing");
        }
    }
}
