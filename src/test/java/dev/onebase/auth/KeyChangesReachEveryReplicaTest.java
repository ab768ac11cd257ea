package dev.onebase.auth;

import static dev.onebase.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;

import org.junit.jupiter.api.Test;

import dev.onebase.TestApi.Tenant;
import dev.onebase.TestApi;
import dev.onebase.db.EmbeddedDatabaseResource;
import dev.onebase.tenant.RowLevelSecurityTest;
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

    /**
     * A change made while the replica could not hear the announcements (its listening connection was cut) must not
     * be missed: from the moment the connection drops the replica trusts nothing it remembers, and it forgets it all
     * when it listens again.
     */
    @Test
    void whatChangesWhileTheListenerIsCutIsNotMissed() throws Exception {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200);
        String appRole = EmbeddedDatabaseResource.properties().get("quarkus.datasource.username");
        try (Connection c = RowLevelSecurityTest.superuser()) {
            try {
                // cut the listening connection and keep it from coming back while the change is made
                exec(c, "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'onebase-listener'");
                long others = count(c, "select count(*) from pg_stat_activity where usename = ? and application_name <> 'onebase-listener'", appRole);
                exec(c, "alter role " + appRole + " connection limit " + others);
                c.setAutoCommit(false);
                exec(c, "set local session_replication_role = replica");
                exec(c, "update api_keys set revoked_at = now() where tenant_id = ?", t.id());
                c.commit();
                c.setAutoCommit(true);
                assertEquals(401, statusSoon(t, 401), "the remembered key is not trusted while nothing is heard");
            } finally {
                c.setAutoCommit(true);
                exec(c, "alter role " + appRole + " connection limit -1");
                for (int i = 0; i < 100 && count(c, "select count(*) from pg_stat_activity where application_name = 'onebase-listener'") == 0; i++) {
                    Thread.sleep(50);
                }
            }
        }
    }

    private static long count(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
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
