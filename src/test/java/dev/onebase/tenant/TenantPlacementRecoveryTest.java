package dev.onebase.tenant;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static dev.onebase.tenant.TenantPlacementTest.seeded;
import static dev.onebase.tenant.TenantPlacementTest.start;
import static dev.onebase.tenant.TenantPlacementTest.startMove;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.db.ReplicaId;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.Problems;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * What a placement move does when things get in its way (docs/tenants.md#a-move): a final step that cannot get the
 * tenant's lock in time is tried again, a move this replica left running is ended at its next start with the tenant
 * whole on one side, and a purge and a move of the same tenant never run at once.
 */
@QuarkusTest
class TenantPlacementRecoveryTest {

    @Inject
    TenantPlacement placement;

    private static Map<String, Object> lastMove(Tenant t) {
        return asAdmin().get("/admin/tenants/" + t.id() + "/placement").then().statusCode(200).extract().path("lastMove");
    }

    /**
     * Holds a promotion in its copy: an uncommitted row in the tenant's schema with the key of a row the copy inserts
     * (the copy waits for this transaction, and has armed the log by then). Returns the move's id.
     */
    private static long startHeldInCopy(Connection blocker, Tenant a) throws Exception {
        Db.exec("select tenant_schema_sync(?)", a.id());
        blocker.setAutoCommit(false);
        Db.exec(blocker, "insert into " + TenantPlacementTest.schema(a) + ".cache_entries (tenant_id, key, value) values (?, 'k1', 'blocker')", a.id());
        long id = start(a, "schema");
        Eventually.until("the copy of move " + id + " to wait for the blocking row", () -> Db.value(
                "select 1 from tenant_placement_moves m join pg_stat_activity s on s.pid = m.backend_pid "
                        + "where m.id = ? and s.wait_event_type = 'Lock' and s.query like '%tenant_move_copy_batch%'", id) != null);
        return id;
    }

    private static void assertWholeInSchema(Tenant a, int rows) {
        String s = TenantPlacementTest.schema(a);
        asAdmin().get("/admin/tenants/" + a.id() + "/placement").then().statusCode(200).body("placement", equalTo("schema"));
        assertEquals(rows, Db.count("select count(*) from " + s + ".cache_entries where tenant_id = ?", a.id()));
        assertEquals(rows, Db.count("select count(distinct key) from " + s + ".cache_entries where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from public.cache_entries where tenant_id = ?", a.id()));
        assertEquals(rows, Db.count("select entries from cache_usage where tenant_id = ?", a.id()), "the cache counter is exact");
        assertEquals("v1", as(a).get("/api/v1/cache/k1").then().statusCode(200).extract().asString());
        assertEquals("v300", as(a).get("/api/v1/cache/k300").then().statusCode(200).extract().asString());
    }

    private static void assertWholeShared(Tenant a, int rows) {
        String s = TenantPlacementTest.schema(a);
        asAdmin().get("/admin/tenants/" + a.id() + "/placement").then().statusCode(200).body("placement", equalTo("shared"));
        assertEquals(rows, Db.count("select count(*) from public.cache_entries where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from " + s + ".cache_entries"), "the copy is removed");
        assertEquals(rows, Db.count("select entries from cache_usage where tenant_id = ?", a.id()), "the cache counter is exact");
        assertEquals("v1", as(a).get("/api/v1/cache/k1").then().statusCode(200).extract().asString());
        assertEquals("v300", as(a).get("/api/v1/cache/k300").then().statusCode(200).extract().asString());
    }

    @Test
    void theFinalStepIsTriedAgainWhenTheTenantsLockIsNotGrantedInTime() throws Exception {
        Tenant a = seeded(300);
        long id;
        try (Connection blocker = Db.superuser(); Connection tenantTx = Db.owner()) {
            id = startHeldInCopy(blocker, a);
            // a long transaction of the tenant, as every tenant transaction takes its lock: share mode, held across
            // the final step's first attempt
            tenantTx.setAutoCommit(false);
            Db.exec(tenantTx, "select pg_advisory_xact_lock_shared(tenant_lock_key(?))", a.id());
            blocker.rollback();
            Map<String, Object> second = Eventually.until("a second attempt of move " + id + "'s final step", () -> lastMove(a),
                    m -> !"running".equals(m.get("status")) || m.get("attempts") instanceof Number n && n.intValue() >= 2);
            assertEquals("running", second.get("status"), "the move did not fail at its first attempt: " + second);
            tenantTx.commit();
        }
        Map<String, Object> end = TenantPlacementTest.waitForMove(a, id);
        assertEquals("succeeded", end.get("status"), end.toString());
        assertEquals(2, ((Number) end.get("attempts")).intValue(), end.toString());
        assertTrue(((Number) end.get("rowsMoved")).longValue() >= 300, end::toString);
        assertWholeInSchema(a, 300);
        assertEquals(0, Db.count("select count(*) from tenant_moves_logging where tenant = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from tenant_move_log where tenant = ?", a.id()));
    }

    @Test
    void movesLeftRunningByAStoppedReplicaAreEndedWithTheTenantWholeOnOneSide() throws Exception {
        // a promotion another replica (gone: its move lock is free) left in its copy, not flipped: half the rows copied,
        // the log armed with a noted row
        Tenant copying = seeded(2500);
        String s1 = TenantPlacementTest.schema(copying);
        Db.exec("select tenant_schema_sync(?)", copying.id());
        long stopped = leftRunning(copying, "copy cache_entries", "gone-replica-1", true);
        copyToSchema(copying, "key < 'k5'");
        Db.exec("insert into tenant_moves_logging (tenant, move_id) values (?, ?)", copying.id(), stopped);
        Db.exec("insert into tenant_move_log (tenant, table_name, pk) values (?, 'cache_entries', jsonb_build_object('tenant_id', ?::text, 'key', 'k7'))",
                copying.id(), copying.id().toString());
        assertTrue(Db.count("select count(*) from " + s1 + ".cache_entries") > 0);

        // a promotion this replica left after its flip, before the old side was deleted (a record from before V31: no
        // move lock, so only its own replica ends it)
        Tenant flipped = seeded(2500);
        Db.exec("select tenant_schema_sync(?)", flipped.id());
        long stoppedAfterFlip = leftRunning(flipped, "clean", ReplicaId.current(), false);
        copyToSchema(flipped, "true");
        Db.exec("select tenant_set_placement(?, 'schema')", flipped.id());

        // a move that still runs on another replica (its move lock held), and one of a replica from before V31
        Tenant alive = seeded(10);
        long running = leftRunning(alive, "copy cache_entries", "live-replica-2", true);
        Tenant legacy = seeded(10);
        long legacyRunning = leftRunning(legacy, "copy cache_entries", "old-replica-3", false);
        try (Connection mover = Db.owner()) {
            Db.exec(mover, "select pg_advisory_lock(tenant_move_lock_key(?))", alive.id());
            placement.cleanUpInterrupted();
        }
        assertEquals("running", Db.value("select status from tenant_placement_moves where id = ?", running), "a live move is left alone");
        assertEquals("running", Db.value("select status from tenant_placement_moves where id = ?", legacyRunning),
                "another replica's move without a move lock is left to that replica");

        Map<String, Object> failed = lastMove(copying);
        assertEquals(stopped, ((Number) failed.get("id")).longValue());
        assertEquals("failed", failed.get("status"), failed.toString());
        assertEquals("interrupted: the replica stopped", failed.get("error"));
        assertWholeShared(copying, 2500);
        assertEquals(0, Db.count("select count(*) from tenant_moves_logging where tenant = ?", copying.id()), "the log is off");
        assertEquals(0, Db.count("select count(*) from tenant_move_log where tenant = ?", copying.id()));
        as(copying).contentType(ContentType.TEXT).body("after").put("/api/v1/cache/after").then().statusCode(204);
        assertEquals(0, Db.count("select count(*) from tenant_move_log where tenant = ?", copying.id()), "writes are not noted any more");

        Map<String, Object> succeeded = lastMove(flipped);
        assertEquals(stoppedAfterFlip, ((Number) succeeded.get("id")).longValue());
        assertEquals("succeeded", succeeded.get("status"), succeeded.toString());
        assertWholeInSchema(flipped, 2500);

        // each tenant moves again from where it is
        assertEquals("succeeded", TenantPlacementTest.moveAndWait(copying, "schema").get("status"));
        assertWholeInSchema(copying, 2501);
        assertEquals("after", as(copying).get("/api/v1/cache/after").then().statusCode(200).extract().asString());
        assertEquals("succeeded", TenantPlacementTest.moveAndWait(flipped, "shared").get("status"));
        assertWholeShared(flipped, 2500);
    }

    /** A promotion's record as its replica writes it, in the given phase, left running. */
    private static long leftRunning(Tenant t, String phase, String replica, boolean moveLock) {
        return Db.count("insert into tenant_placement_moves (tenant, target, replica, phase, move_lock) values (?, 'schema', ?, ?, ?) returning id",
                t.id(), replica, phase, moveLock);
    }

    /** Some of the tenant's cache rows copied to its schema as a move's copy does it (the cache counter not counting them). */
    private static void copyToSchema(Tenant t, String where) throws Exception {
        try (Connection c = Db.superuser()) {
            Db.exec(c, "select set_config('app.placement_move', 'on', false)");
            Db.exec(c, "insert into " + TenantPlacementTest.schema(t) + ".cache_entries (tenant_id, key, value) "
                    + "select tenant_id, key, value from public.cache_entries where tenant_id = ? and " + where, t.id());
        }
    }

    @Test
    void aPurgeAndAMoveOfOneTenantNeverRunAtOnce() throws Exception {
        Tenant a = seeded(300);
        asAdmin().delete("/admin/tenants/" + a.id()).then().statusCode(200);

        // a purge's transaction (or another replica's move) holds the tenant's move lock: no move starts
        try (Connection purge = Db.owner()) {
            purge.setAutoCommit(false);
            Db.exec(purge, "select pg_advisory_xact_lock(tenant_move_lock_key(?))", a.id());
            Problems.problem(startMove(a, "schema").then(), 409, "a purge of this tenant is running");
            purge.rollback();
        }
        assertEquals(0, Db.count("select count(*) from tenant_placement_moves where tenant = ?", a.id()));

        // a move runs: the purge is refused, and the purge job leaves the tenant for its next run
        Db.passTime("tenants", Duration.ofDays(400), "id = ?", a.id());
        long id;
        try (Connection blocker = Db.superuser()) {
            id = startHeldInCopy(blocker, a);
            Problems.problem(asAdmin().post("/admin/tenants/" + a.id() + "/purge?force=true").then(), 409, "placement move");
            asAdmin().post("/admin/jobs/purge-tenants/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
            asAdmin().get("/admin/tenants/" + a.id()).then().statusCode(200);
            blocker.rollback();
        }
        Map<String, Object> end = TenantPlacementTest.waitForMove(a, id);
        assertEquals("succeeded", end.get("status"), "the move of a tenant nobody purged: " + end);
        // (a deleted tenant's keys are refused: its rows are checked in the database)
        assertEquals(300, Db.count("select count(*) from " + TenantPlacementTest.schema(a) + ".cache_entries where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from public.cache_entries where tenant_id = ?", a.id()));

        asAdmin().post("/admin/jobs/purge-tenants/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
        asAdmin().get("/admin/tenants/" + a.id()).then().statusCode(404);
        assertEquals(0, Db.count("select count(*) from pg_namespace where nspname = ?", TenantPlacementTest.schema(a)), "its schema is dropped");
        assertEquals(0, Db.count("select count(*) from public.cache_entries where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from tenant_placement_moves where tenant = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from tenant_moves_logging where tenant = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from tenant_move_log where tenant = ?", a.id()));
    }
}
