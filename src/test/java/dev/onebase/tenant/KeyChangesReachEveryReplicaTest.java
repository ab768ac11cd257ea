package dev.onebase.tenant;

import static dev.onebase.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;

import org.junit.jupiter.api.Test;

import dev.onebase.TestApi;
import dev.onebase.TestApi.Tenant;
import dev.onebase.db.EmbeddedDatabaseResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A replica remembers the keys it has seen, so a change made elsewhere (another replica, or SQL by hand) must reach
 * it through the database's announcement. Here "elsewhere" is a plain JDBC connection.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedDatabaseResource.class)
class KeyChangesReachEveryReplicaTest {

    @Test
    void aKeyRevokedElsewhereStopsWorkingHereAtOnce() throws Exception {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200);
        try (Connection c = RowLevelSecurityTest.superuser()) {
            exec(c, "update api_keys set revoked_at = now() where tenant_id = ?", t.id());
        }
        assertEquals(401, statusSoon(t, 401));
    }

    @Test
    void aTenantSuspendedElsewhereIsRefusedHere() throws Exception {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/cache/k").then().statusCode(404);
        try (Connection c = RowLevelSecurityTest.superuser()) {
            exec(c, "update tenants set status = 'suspended' where id = ?", t.id());
        }
        assertEquals(403, statusSoon(t, 403));
    }

    /**
     * Proof that the memory is really used (else the tests above would pass without the announcements): a change
     * made with triggers switched off is not noticed until the announcement is sent by hand.
     */
    @Test
    void withoutTheAnnouncementTheRememberedKeyIsStillTrusted() throws Exception {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200);
        try (Connection c = RowLevelSecurityTest.superuser()) {
            c.setAutoCommit(false);
            exec(c, "set local session_replication_role = replica");
            exec(c, "update api_keys set revoked_at = now() where tenant_id = ?", t.id());
            c.commit();
            c.setAutoCommit(true);
            as(t).get("/api/v1/tenant").then().statusCode(200);
            exec(c, "select pg_notify('onebase_tenant_access', ?)", t.id().toString());
        }
        assertEquals(401, statusSoon(t, 401));
    }

    /** The status the key gets once the announcement has arrived (it normally takes a few milliseconds). */
    private static int statusSoon(Tenant t, int expected) throws InterruptedException {
        int status = 0;
        for (int i = 0; i < 100 && status != expected; i++) {
            status = as(t).get("/api/v1/tenant").then().extract().statusCode();
            if (status != expected) {
                Thread.sleep(20);
            }
        }
        return status;
    }

    private static void exec(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.execute();
        }
    }
}
