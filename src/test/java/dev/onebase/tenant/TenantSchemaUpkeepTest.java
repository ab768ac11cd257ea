package dev.onebase.tenant;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * The upkeep of dedicated tenant schemas (V27): the orphan large-object sweep sees every schema's references, so it
 * finds an orphan of a tenant in a schema and never unlinks an object a schema's row refers to; a purge drops the
 * tenant's schema and the records of its moves.
 */
@QuarkusTest
class TenantSchemaUpkeepTest {

    private static final int MIB = 1 << 20;

    private static void run(String job) {
        asAdmin().post("/admin/jobs/" + job + "/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
    }

    private static boolean largeObjectExists(long oid) {
        return Db.count("select count(*) from pg_largeobject_metadata where oid = ?::oid", oid) == 1;
    }

    private static boolean schemaExists(String schema) {
        return Db.count("select count(*) from pg_namespace where nspname = ?", schema) == 1;
    }

    static String schema(Tenant t) {
        return "tenant_" + t.id().toString().replace("-", "");
    }

    static void move(Tenant t, String target) {
        long move = asAdmin().contentType(ContentType.JSON).body("{\"placement\":\"" + target + "\"}")
                .post("/admin/tenants/" + t.id() + "/placement").then().statusCode(202).extract().jsonPath().getLong("id");
        JsonPath last = Eventually.until("the move to end", Duration.ofMinutes(2),
                () -> asAdmin().get("/admin/tenants/" + t.id() + "/placement").then().statusCode(200).extract().jsonPath(),
                j -> j.get("lastMove.id") != null && j.getLong("lastMove.id") == move && !"running".equals(j.getString("lastMove.status")));
        assertEquals("succeeded", last.getString("lastMove.status"), last.prettify());
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theOrphanSweepFindsASchemaTenantsOrphanAndKeepsWhatItsSchemaRefersTo() {
        Tenant a = TestApi.signup();
        byte[] kept = bytes(2 * MIB + 1, 1);
        byte[] unregistered = bytes(2 * MIB + 2, 2);
        String keptId = as(a).contentType("application/octet-stream").body(kept).put("/api/v1/files/k/kept.bin").then().statusCode(201)
                .extract().path("id");
        String oldId = as(a).contentType("application/octet-stream").body(unregistered).put("/api/v1/files/k/old.bin").then()
                .statusCode(201).extract().path("id");
        move(a, "schema");
        String s = schema(a);
        long keptOid = Db.count("select lo_oid from " + s + ".files where id = ?::uuid", keptId);
        long oldOid = Db.count("select lo_oid from " + s + ".files where id = ?::uuid", oldId);
        assertEquals(0, Db.count("select count(*) from public.files where tenant_id = ?", a.id()));
        // an object of the tenant that nothing refers to (an upload that died after creating it, say)
        long orphan = Db.count("select file_lo_create(?::uuid)", a.id().toString());
        // an object only a row of the schema refers to, without its fence entry (as objects from before V9 are):
        // nothing but the schema's reference keeps it
        assertEquals(1, Db.update("delete from file_large_objects where lo_oid = ?", oldOid));
        // and a shared tenant's, for contrast
        Tenant b = TestApi.signup();
        long sharedOrphan = Db.count("select file_lo_create(?::uuid)", b.id().toString());

        run("file-orphan-objects");

        assertEquals(false, largeObjectExists(orphan), "the schema tenant's orphan is unlinked");
        assertEquals(0, Db.count("select count(*) from file_large_objects where lo_oid = ?", orphan));
        assertEquals(false, largeObjectExists(sharedOrphan), "the shared tenant's orphan is unlinked");
        assertTrue(largeObjectExists(keptOid), "an object the schema refers to stays");
        assertTrue(largeObjectExists(oldOid), "an object only the schema refers to stays, fenced or not");
        assertArrayEquals(kept, as(a).get("/api/v1/files/" + keptId + "/content").then().statusCode(200).extract().asByteArray());
        // its fence entry back (downloads check it), the file reads whole
        Db.exec("insert into file_large_objects (tenant_id, lo_oid) values (?::uuid, ?)", a.id().toString(), oldOid);
        assertArrayEquals(unregistered, as(a).get("/api/v1/files/" + oldId + "/content").then().statusCode(200).extract().asByteArray());
    }

    @Test
    void thePurgeOfATenantDropsItsSchemaAndItsMovesAndLeavesOthersSchemas() {
        Tenant placed = TestApi.signup();
        Tenant demoted = TestApi.signup();
        Tenant other = TestApi.signup();
        as(placed).contentType("application/octet-stream").body(bytes(2 * MIB, 3)).put("/api/v1/files/p/big.bin").then().statusCode(201);
        as(other).contentType(ContentType.TEXT).body("still here").put("/api/v1/cache/k").then().statusCode(204);
        move(placed, "schema");
        move(demoted, "schema");
        move(demoted, "shared");
        move(other, "schema");
        long oid = Db.count("select lo_oid from " + schema(placed) + ".files where tenant_id = ?", placed.id());
        assertTrue(schemaExists(schema(placed)) && schemaExists(schema(demoted)) && schemaExists(schema(other)));

        for (Tenant t : new Tenant[] { placed, demoted }) {
            asAdmin().delete("/admin/tenants/" + t.id()).then().statusCode(200);
            asAdmin().post("/admin/tenants/" + t.id() + "/purge?force=true").then().statusCode(204);
            assertEquals(false, schemaExists(schema(t)), "the purged tenant's schema is dropped: " + schema(t));
            assertEquals(0, Db.count("select count(*) from tenant_placement_moves where tenant = ?", t.id()));
            assertEquals(0, Db.count("select count(*) from tenants where id = ?", t.id()));
        }
        assertEquals(false, largeObjectExists(oid), "the purged tenant's large object is unlinked");

        // the other tenant's schema, moves and data are untouched
        assertTrue(schemaExists(schema(other)));
        assertEquals(1, Db.count("select count(*) from tenant_placement_moves where tenant = ?", other.id()));
        assertEquals("still here", as(other).get("/api/v1/cache/k").then().statusCode(200).extract().asString());
    }

    @Test
    void aLiveTenantsSchemaIsNeverDroppedByTheFunction() throws SQLException {
        Tenant t = TestApi.signup();
        move(t, "schema");
        try (Connection c = Db.app(); PreparedStatement st = c.prepareStatement("select tenant_drop_schema(?::uuid)")) {
            st.setString(1, t.id().toString());
            SQLException refused = assertThrows(SQLException.class, st::executeQuery);
            assertEquals("55000", refused.getSQLState(), refused.getMessage());
        }
        assertTrue(schemaExists(schema(t)));
    }
}
