package dev.onebase.cache;

import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Tenant isolation of all four features, through HTTP and at the database level. */
@QuarkusTest
class IsolationTest {

    static final String FLAG = "{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"%s\"}";

    @Test
    void tenantsNeverSeeEachOthersData() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        // cache: same key, separate values; B's flush, scan and delete never reach A
        as(a).body("from a").put("/api/v1/cache/shared").then().statusCode(204);
        as(b).get("/api/v1/cache/shared").then().statusCode(404);
        as(b).body("from b").put("/api/v1/cache/shared").then().statusCode(204);
        as(a).get("/api/v1/cache/shared").then().body(equalTo("from a"));
        as(a).body("x").put("/api/v1/cache/only-a").then().statusCode(204);
        as(b).get("/api/v1/cache").then().body("keys", equalTo(java.util.List.of("shared")));
        as(b).delete("/api/v1/cache/only-a").then().statusCode(404);
        as(b).delete("/api/v1/cache").then().body("count", equalTo(1));
        as(a).get("/api/v1/cache/shared").then().statusCode(200);
        // sessions: A's token means nothing to B
        String token = as(a).contentType(ContentType.JSON).body("{\"userId\":\"u1\"}").post("/api/v1/sessions").then().statusCode(201)
                .extract().path("token");
        as(b).header("X-Session-Token", token).get("/api/v1/sessions/current").then().statusCode(404);
        as(b).queryParam("userId", "u1").get("/api/v1/sessions").then().body("size()", equalTo(0));
        as(b).queryParam("userId", "u1").delete("/api/v1/sessions").then().body("revoked", equalTo(0));
        as(a).header("X-Session-Token", token).get("/api/v1/sessions/current").then().statusCode(200);
        // rate limits: one bucket per tenant
        String consume = "{\"limit\":1,\"periodMs\":60000}";
        as(a).contentType(ContentType.JSON).body(consume).post("/api/v1/rate-limits/login/consume").then().body("allowed", equalTo(true));
        as(a).contentType(ContentType.JSON).body(consume).post("/api/v1/rate-limits/login/consume").then().body("allowed", equalTo(false));
        as(b).contentType(ContentType.JSON).body(consume).post("/api/v1/rate-limits/login/consume").then().body("allowed", equalTo(true));
        // flags: same key, separate definitions
        as(a).contentType(ContentType.JSON).body(FLAG.formatted("on")).put("/api/v1/flags/beta").then().statusCode(201);
        as(b).get("/api/v1/flags/beta").then().statusCode(404);
        as(b).contentType(ContentType.JSON).body(FLAG.formatted("off")).put("/api/v1/flags/beta").then().statusCode(201);
        as(a).contentType(ContentType.JSON).body("{}").post("/api/v1/flags/beta/evaluate").then().body("value", equalTo(true));
        as(b).contentType(ContentType.JSON).body("{}").post("/api/v1/flags/beta/evaluate").then().body("value", equalTo(false));
        as(b).delete("/api/v1/flags/beta").then().statusCode(204);
        as(a).get("/api/v1/flags/beta").then().statusCode(200);

        // the request role with no tenant set sees none of it; with a tenant set, only that tenant's rows
        String[] tables = {"cache_entries", "cache_usage", "sessions", "rate_limits", "tenant_request_counts", "feature_flags"};
        try (Connection c = Db.app()) {
            for (String table : tables) {
                assertEquals(0, Db.count(c, "select count(*) from " + table), table + " without a tenant");
            }
            c.setAutoCommit(false);
            Db.exec(c, "select set_config('app.tenant_id', ?, true)", a.id().toString());
            for (String table : tables) {
                assertTrue(Db.count(c, "select count(*) from " + table) > 0, table + " as tenant A");
                assertEquals(0, Db.count(c, "select count(*) from " + table + " where tenant_id <> ?", a.id()), table + " as tenant A");
            }
            c.rollback();
        }
    }

    /**
     * The one-command GET (cache_get) scopes its own statement's transaction: it reads only the tenant it is given,
     * and the setting is gone from the connection the moment the statement is over.
     */
    @Test
    void theOneCommandGetIsFencedByRowLevelSecurityAndLeavesNothingBehind() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        as(a).body("secret of a").put("/api/v1/cache/mine").then().statusCode(204);
        try (Connection c = Db.app()) {
            assertEquals(1, Db.count(c, "select count(*) from cache_get(?, 'mine')", a.id()));
            assertEquals("", Db.value(c, "select coalesce(current_setting('app.tenant_id', true), '')"), "nothing survives the statement");
            assertEquals(0, Db.count(c, "select count(*) from cache_get(?, 'mine')", b.id()));
            // even when the caller has scoped its own transaction to A first, the function reads as the tenant it is given
            c.setAutoCommit(false);
            Db.exec(c, "select set_config('app.tenant_id', ?, true)", a.id().toString());
            assertEquals(0, Db.count(c, "select count(*) from cache_get(?, 'mine')", b.id()));
            c.rollback();
            // it runs as its caller, never above it
            assertEquals(0, Db.count(c, "select count(*) from pg_proc p where p.proname = 'cache_get' and p.prosecdef"), "SECURITY INVOKER");
        }
    }
}
