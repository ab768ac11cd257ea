package dev.onebase.auth;

import static dev.onebase.testsupport.TestApi.as;

import java.sql.Connection;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A replica remembers the keys it has seen, so a change made elsewhere (another replica, or SQL by hand) must reach
 * it through the database's announcement. Here "elsewhere" is a plain JDBC connection.
 */
@QuarkusTest
class KeyChangesReachEveryReplicaTest {

    /**
     * How soon a change must be noticed: the announcement normally takes a few milliseconds, and the bound stays far
     * below the 30 s a replica may otherwise trust a key it has seen (onebase.auth.key-cache), so only the
     * announcement, never the key's expiry, can make a test pass.
     */
    private static final Duration SOON = Duration.ofSeconds(5);

    @Test
    void aKeyRevokedElsewhereStopsWorkingHereAtOnce() {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200);
        Db.update("update api_keys set revoked_at = now() where tenant_id = ?", t.id());
        answersSoon(t, 401);
    }

    @Test
    void aTenantSuspendedElsewhereIsRefusedHere() {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/cache/k").then().statusCode(404);
        Db.update("update tenants set status = 'suspended' where id = ?", t.id());
        answersSoon(t, 403);
    }

    /**
     * Proof that the memory is really used (else the tests above would pass without the announcements): a change
     * made with triggers switched off is not noticed until the announcement is sent by hand.
     */
    @Test
    void withoutTheAnnouncementTheRememberedKeyIsStillTrusted() throws Exception {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200);
        try (Connection c = Db.superuser()) {
            c.setAutoCommit(false);
            Db.exec(c, "set local session_replication_role = replica");
            Db.exec(c, "update api_keys set revoked_at = now() where tenant_id = ?", t.id());
            c.commit();
            c.setAutoCommit(true);
            as(t).get("/api/v1/tenant").then().statusCode(200);
            Db.exec(c, "select pg_notify('onebase_tenant_access', ?)", t.id().toString());
        }
        answersSoon(t, 401);
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
        String appRole = Db.appRole();
        try (Connection c = Db.superuser()) {
            try {
                // cut the listening connection and keep it from coming back while the change is made
                Db.exec(c, "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'onebase-listener'");
                long others = Db.count(c, "select count(*) from pg_stat_activity where usename = ? and application_name <> 'onebase-listener'", appRole);
                Db.exec(c, "alter role " + appRole + " connection limit " + others);
                c.setAutoCommit(false);
                Db.exec(c, "set local session_replication_role = replica");
                Db.exec(c, "update api_keys set revoked_at = now() where tenant_id = ?", t.id());
                c.commit();
                c.setAutoCommit(true);
                answersSoon(t, 401, "the remembered key is not trusted while nothing is heard");
            } finally {
                c.setAutoCommit(true);
                Db.exec(c, "alter role " + appRole + " connection limit -1");
            }
        }
        // the listener tries again every second; the tests that follow want it back
        Eventually.until("the tenant access listener to listen again",
                () -> Db.count("select count(*) from pg_stat_activity where application_name = 'onebase-listener'") > 0);
    }

    /** The key gets the status once the announcement has arrived. */
    private static void answersSoon(Tenant t, int expected) {
        answersSoon(t, expected, "the key to answer " + expected);
    }

    private static void answersSoon(Tenant t, int expected, String what) {
        Eventually.until(what, SOON, () -> as(t).get("/api/v1/tenant").then().extract().statusCode(), status -> status == expected);
    }
}
