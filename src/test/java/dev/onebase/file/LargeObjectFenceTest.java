package dev.onebase.file;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.onebase.db.RlsAudit;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Large objects are outside Row-Level Security, so the request role must not reach them by itself: with no tenant
 * set, or as another tenant, it can neither read, write, open nor unlink a tenant's object. Files above the inline
 * threshold still go both ways through the checked functions.
 */
@QuarkusTest
class LargeObjectFenceTest {

    static final int MIB = 1024 * 1024;

    @Test
    void theRequestRoleCannotReachATenantsLargeObjectByItself() throws Exception {
        Tenant owner = TestApi.signup();
        Tenant other = TestApi.signup();
        byte[] content = new byte[3 * MIB + 17];
        new Random(12).nextBytes(content);
        String id = as(owner).contentType("application/octet-stream").body(content).put("/api/v1/files/big/secret.bin")
                .then().statusCode(201).extract().path("id");
        long oid = ((Number) Db.value("select lo_oid from files where id = ?::uuid", id)).longValue();

        try (Connection app = Db.app()) {
            app.setAutoCommit(false);
            for (String sql : List.of("select lo_get(" + oid + ")", "select lo_get(" + oid + ", 0, 10)", "select lo_put(" + oid + ", 0, 'x')",
                    "select lo_unlink(" + oid + ")", "select lo_open(" + oid + ", 262144)", "select lo_open(" + oid + ", 131072)",
                    "select lo_export(" + oid + ", '/tmp/x')")) {
                refused(app, sql);
            }
            // the checked functions: no tenant, another tenant, or forged registry rows get nothing
            for (String sql : List.of("select file_lo_get(null, " + oid + ", 0, 10)",
                    "select file_lo_get('" + other.id() + "', " + oid + ", 0, 10)",
                    "select file_lo_put('" + other.id() + "', " + oid + ", 0, 'x')",
                    "select file_lo_unlink(" + oid + ")",
                    "select file_lo_copy(" + oid + ")",
                    "insert into file_large_objects (tenant_id, lo_oid) values ('" + other.id() + "', " + oid + ")")) {
                refused(app, sql);
            }
            refused(app, "select set_config('app.tenant_id', '" + other.id() + "', true), file_lo_unlink(" + oid + ")");
            // the owner's tenant reads it through the function (the control that the refusals are about the tenant)
            byte[] head = (byte[]) Db.value(app, "select file_lo_get(?::uuid, ?, 0, 10)", owner.id(), oid);
            assertArrayEquals(Arrays.copyOf(content, 10), head);
            app.rollback();
        }
        assertTrue(LargeObjects.exists(oid));

        byte[] back = as(owner).get("/api/v1/files/" + id + "/content").then().statusCode(200).extract().asByteArray();
        assertArrayEquals(content, back);
        byte[] range = as(owner).header("Range", "bytes=" + (2 * MIB) + "-" + (2 * MIB + 99)).get("/api/v1/files/" + id + "/content")
                .then().statusCode(206).extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(content, 2 * MIB, 2 * MIB + 100), range);
        as(other).get("/api/v1/files/" + id + "/content").then().statusCode(404);
        // overwrite, restore a version (a server-side copy), purge: the objects go with their rows
        as(owner).contentType("application/octet-stream").body(new byte[2 * MIB]).put("/api/v1/files/big/secret.bin").then().statusCode(200);
        as(owner).post("/api/v1/files/" + id + "/versions/1/restore").then().statusCode(200);
        assertArrayEquals(content, as(owner).get("/api/v1/files/" + id + "/content").then().statusCode(200).extract().asByteArray());
        as(owner).delete("/api/v1/files/" + id + "?purge=true").then().statusCode(204);
        assertEquals(0, Db.count("select count(*) from file_large_objects where tenant_id = ?", owner.id()));
        assertTrue(!LargeObjects.exists(oid));
        assertEquals(0, LargeObjects.ofTheRequestRole());
    }

    @Test
    void theStartUpAuditFindsALargeObjectTheRequestRoleCouldRead() throws Exception {
        try (Connection app = Db.app()) {
            assertEquals(List.of(), audit(app));
            long oid = ((Number) Db.value(app, "select lo_from_bytea(0, 'mine')::int8")).longValue();
            try {
                assertTrue(audit(app).stream().anyMatch(p -> p.contains("owns 1 large objects")), audit(app).toString());
            } finally {
                Db.exec(app, "select lo_unlink(?::int8::oid)", oid);
            }
            assertEquals(List.of(), audit(app));
        }
    }

    private static void refused(Connection app, String sql) throws SQLException {
        try (Statement st = app.createStatement()) {
            st.execute("savepoint s");
            SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), sql);
            assertTrue("42501".equals(e.getSQLState()), sql + ": " + e.getSQLState() + " " + e.getMessage());
            st.execute("rollback to savepoint s");
        }
    }

    private static List<String> audit(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement st = c.createStatement(); var rs = st.executeQuery(RlsAudit.QUERY)) {
            while (rs.next()) {
                problems.add(rs.getString(1));
            }
        }
        return problems;
    }
}
