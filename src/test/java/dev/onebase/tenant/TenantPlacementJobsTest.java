package dev.onebase.tenant;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * The cross-tenant maintenance jobs cover a tenant in a dedicated schema (docs/tenants.md#placement): the cache
 * sweeper removes its expired cache entries and sessions, the file purge its files past retention with their large
 * objects, and the usage statistics count its rows.
 */
@QuarkusTest
class TenantPlacementJobsTest {

    private static void run(String job) {
        asAdmin().post("/admin/jobs/" + job + "/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
    }

    private static boolean largeObjectExists(long oid) {
        return Db.count("select count(*) from pg_largeobject_metadata where oid = ?::oid", oid) == 1;
    }

    @Test
    void theJobsSweepPurgeAndCountATenantInItsOwnSchema() {
        Tenant a = TestApi.signup();
        as(a).contentType(ContentType.TEXT).body("kept").put("/api/v1/cache/kept").then().statusCode(204);
        as(a).contentType(ContentType.TEXT).body("expiring").put("/api/v1/cache/expiring?ex=60").then().statusCode(204);
        as(a).contentType(ContentType.JSON).body("{\"userId\":\"live\"}").post("/api/v1/sessions").then().statusCode(201);
        as(a).contentType(ContentType.JSON).body("{\"userId\":\"expired\"}").post("/api/v1/sessions").then().statusCode(201);
        String kept = as(a).contentType(ContentType.TEXT).body("kept file").put("/api/v1/files/docs/kept.txt").then()
                .statusCode(201).extract().path("id");
        String old = as(a).contentType("application/octet-stream").body(new byte[2 * 1024 * 1024]).put("/api/v1/files/docs/old.bin").then()
                .statusCode(201).extract().path("id");
        as(a).delete("/api/v1/files/" + old).then().statusCode(200);
        assertEquals("succeeded", TenantPlacementTest.moveAndWait(a, "schema").get("status"));
        String s = TenantPlacementTest.schema(a);
        long oid = Db.count("select lo_oid from " + s + ".files where id = ?::uuid", old);
        assertEquals(true, largeObjectExists(oid));

        // time passes for the expiring rows (in the tenant's schema, where its rows now are)
        assertEquals(1, Db.passTime(s + ".cache_entries", Duration.ofMinutes(2), "tenant_id = ? and expires_at is not null", a.id()));
        assertEquals(1, Db.passTime(s + ".sessions", Duration.ofDays(2), "tenant_id = ? and user_id = 'expired'", a.id()));
        assertEquals(1, Db.update("update " + s + ".files set deleted_at = now() - interval '31 days' where id = ?::uuid", old));

        // usage counts the schema's rows: one live file (both files' bytes until the purge), one live entry, one live session
        run("refresh-stats");
        as(a).get("/api/v1/usage").then().statusCode(200)
                .body("files", equalTo(1))
                .body("bytesStored", equalTo(9 + 2 * 1024 * 1024))
                .body("cacheEntries", equalTo(1))
                .body("liveSessions", equalTo(1));

        run("cache-sweeper");
        run("file-purge");
        assertEquals(0, Db.count("select count(*) from " + s + ".cache_entries where tenant_id = ? and expires_at is not null", a.id()));
        assertEquals(1, Db.count("select count(*) from " + s + ".cache_entries where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from " + s + ".sessions where tenant_id = ? and user_id = 'expired'", a.id()));
        assertEquals(1, Db.count("select count(*) from " + s + ".sessions where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from " + s + ".files where id = ?::uuid", old));
        assertEquals(false, largeObjectExists(oid), "the purged file's large object is unlinked");
        assertEquals(0, Db.count("select count(*) from file_large_objects where lo_oid = ?", oid), "and its fence entry gone");

        // the tenant's live data is untouched and still served from its schema
        assertEquals("kept", as(a).get("/api/v1/cache/kept").then().statusCode(200).extract().asString());
        assertEquals("kept file", as(a).get("/api/v1/files/" + kept + "/content").then().statusCode(200).extract().asString());
        run("refresh-stats");
        as(a).get("/api/v1/usage").then().statusCode(200).body("files", equalTo(1)).body("bytesStored", equalTo(9));
    }
}
