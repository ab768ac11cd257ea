package dev.onebase.backup;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** One tenant back to a point in time through the PITR machinery, the other tenants untouched. */
@QuarkusTest
class TenantRestoreTest {

    @Inject
    WalStreamer streamer;
    @Inject
    FullCopies fullCopies;
    @Inject
    PgTools tools;

    static WalStreamer started;

    @AfterAll
    static void stopStreaming() {
        if (started != null) {
            started.stop();
        }
    }

    @Test
    void restoringOneTenantBeforeADeleteBringsItsRowsAndFilesBackAndKeepsTheOthersLaterWrites() throws Exception {
        streamer.start();
        started = streamer;
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(60)), "streams: " + streamer.status());
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        byte[] big = new byte[(1 << 20) + 4096];
        new Random(3).nextBytes(big);
        String smallId = as(a).contentType("text/plain").body("A's notes").put("/api/v1/files/a/notes.txt").then().statusCode(201)
                .extract().path("id");
        flag(a, "a-flag", "on");
        flag(b, "b-before", "on");
        BackupRecord full = fullCopies.take(BackupJobs.manual());
        assertTrue(full.verified(), full.verification());
        // written after the full copy: only the WAL brings these back
        String bigId = as(a).contentType("application/octet-stream").body(big).put("/api/v1/files/a/big.bin").then().statusCode(201)
                .extract().path("id");
        String token = as(a).contentType(ContentType.JSON).body("{\"userId\":\"alice\"}").post("/api/v1/sessions").then()
                .statusCode(201).extract().path("token");

        Instant t = ((java.sql.Timestamp) Db.value("select clock_timestamp()")).toInstant();
        Db.value("select pg_sleep(0.05)");
        // at T: A loses its files, its flag and its session; B keeps writing
        as(a).delete("/api/v1/files/" + smallId + "?purge=true").then().statusCode(204);
        as(a).delete("/api/v1/files/" + bigId + "?purge=true").then().statusCode(204);
        as(a).delete("/api/v1/flags/a-flag").then().statusCode(204);
        as(a).header("X-Session-Token", token).delete("/api/v1/sessions/current").then().statusCode(204);
        flag(b, "b-after", "off");
        String bFile = as(b).contentType("text/plain").body("B after T").put("/api/v1/files/b/after.txt").then().statusCode(201)
                .extract().path("id");
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(60)));

        JsonPath run = asAdmin().post("/admin/tenants/" + a.id() + "/restore-to?time=" + t).then().statusCode(202).extract().jsonPath();
        long id = run.getLong("id");
        assertEquals("running", run.getString("status"));
        JsonPath done = Eventually.until("the tenant restore to end", Duration.ofMinutes(5),
                () -> asAdmin().get("/admin/tenant-restores/" + id).then().statusCode(200).extract().jsonPath(),
                j -> !"running".equals(j.getString("status")));
        assertEquals("succeeded", done.getString("status"), done.prettify());
        assertEquals(100, done.getInt("percent"));
        assertEquals(full.id(), done.getLong("backupId"));
        assertTrue(done.getLong("durationMs") > 0);

        // A is back as it was at T, with the key it has now
        assertEquals("A's notes", as(a).get("/api/v1/files/" + smallId + "/content").then().statusCode(200).extract().asString());
        assertArrayEquals(big, as(a).get("/api/v1/files/" + bigId + "/content").then().statusCode(200).extract().asByteArray());
        as(a).get("/api/v1/flags/a-flag").then().statusCode(200);
        as(a).header("X-Session-Token", token).get("/api/v1/sessions/current").then().statusCode(200);
        // B keeps what it wrote after T
        as(b).get("/api/v1/flags/b-after").then().statusCode(200);
        assertEquals("B after T", as(b).get("/api/v1/files/" + bFile + "/content").then().statusCode(200).extract().asString());
        assertEquals(2L, Db.count("select count(*) from feature_flags where tenant_id = ?::uuid", b.id().toString()));
        asAdmin().get("/admin/tenant-restores").then().statusCode(200);
    }

    @Test
    void restoringATenantInItsOwnSchemaBringsItsRowsAndFilesBackIntoThatSchemaAndKeepsASharedTenantsLaterWrites() throws Exception {
        streamer.start();
        started = streamer;
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(60)), "streams: " + streamer.status());
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        String schema = "tenant_" + a.id().toString().replace("-", "");
        String smallId = as(a).contentType("text/plain").body("A's notes").put("/api/v1/files/a/notes.txt").then().statusCode(201)
                .extract().path("id");
        flag(a, "a-flag", "on");
        flag(b, "b-before", "on");
        moveToSchema(a);
        BackupRecord full = fullCopies.take(BackupJobs.manual());
        assertTrue(full.verified(), full.verification());
        // written after the full copy, in A's schema: only the WAL brings these back
        byte[] big = new byte[(1 << 20) + 4096];
        new Random(5).nextBytes(big);
        String bigId = as(a).contentType("application/octet-stream").body(big).put("/api/v1/files/a/big.bin").then().statusCode(201)
                .extract().path("id");
        flag(a, "a-later", "off");
        assertEquals(2L, Db.count("select count(*) from " + schema + ".files where tenant_id = ?::uuid", a.id().toString()));
        assertEquals(0L, Db.count("select count(*) from public.files where tenant_id = ?::uuid", a.id().toString()));

        Instant t = ((java.sql.Timestamp) Db.value("select clock_timestamp()")).toInstant();
        Db.value("select pg_sleep(0.05)");
        // at T: A loses its files and flags; B keeps writing
        as(a).delete("/api/v1/files/" + smallId + "?purge=true").then().statusCode(204);
        as(a).delete("/api/v1/files/" + bigId + "?purge=true").then().statusCode(204);
        as(a).delete("/api/v1/flags/a-flag").then().statusCode(204);
        as(a).delete("/api/v1/flags/a-later").then().statusCode(204);
        assertEquals(0L, Db.count("select count(*) from " + schema + ".files where tenant_id = ?::uuid", a.id().toString()));
        flag(b, "b-after", "off");
        String bFile = as(b).contentType("text/plain").body("B after T").put("/api/v1/files/b/after.txt").then().statusCode(201)
                .extract().path("id");
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(60)));

        JsonPath run = asAdmin().post("/admin/tenants/" + a.id() + "/restore-to?time=" + t + "&mode=replace").then().statusCode(202)
                .extract().jsonPath();
        long id = run.getLong("id");
        JsonPath done = Eventually.until("the tenant restore to end", Duration.ofMinutes(5),
                () -> asAdmin().get("/admin/tenant-restores/" + id).then().statusCode(200).extract().jsonPath(),
                j -> !"running".equals(j.getString("status")));
        assertEquals("succeeded", done.getString("status"), done.prettify());
        assertEquals(full.id(), done.getLong("backupId"));

        // A is back as it was at T, still in its own schema, with the key it has now
        asAdmin().get("/admin/tenants/" + a.id() + "/placement").then().statusCode(200).body("placement", equalTo("schema"));
        assertEquals("A's notes", as(a).get("/api/v1/files/" + smallId + "/content").then().statusCode(200).extract().asString());
        assertArrayEquals(big, as(a).get("/api/v1/files/" + bigId + "/content").then().statusCode(200).extract().asByteArray());
        as(a).get("/api/v1/flags/a-flag").then().statusCode(200);
        as(a).get("/api/v1/flags/a-later").then().statusCode(200);
        assertEquals(2L, Db.count("select count(*) from " + schema + ".files where tenant_id = ?::uuid", a.id().toString()));
        assertEquals(2L, Db.count("select count(*) from " + schema + ".feature_flags where tenant_id = ?::uuid", a.id().toString()));
        assertEquals(0L, Db.count("select count(*) from public.files where tenant_id = ?::uuid", a.id().toString()));
        assertEquals(0L, Db.count("select count(*) from public.feature_flags where tenant_id = ?::uuid", a.id().toString()));
        // B, in the shared tables, keeps what it wrote after T
        as(b).get("/api/v1/flags/b-after").then().statusCode(200);
        assertEquals("B after T", as(b).get("/api/v1/files/" + bFile + "/content").then().statusCode(200).extract().asString());
        assertEquals(2L, Db.count("select count(*) from feature_flags where tenant_id = ?::uuid", b.id().toString()));
    }

    private static void moveToSchema(Tenant t) {
        long move = asAdmin().contentType(ContentType.JSON).body("{\"placement\":\"schema\"}").post("/admin/tenants/" + t.id() + "/placement")
                .then().statusCode(202).extract().jsonPath().getLong("id");
        JsonPath last = Eventually.until("the move to end", Duration.ofMinutes(2),
                () -> asAdmin().get("/admin/tenants/" + t.id() + "/placement").then().statusCode(200).extract().jsonPath(),
                j -> j.get("lastMove.id") != null && j.getLong("lastMove.id") == move && !"running".equals(j.getString("lastMove.status")));
        assertEquals("succeeded", last.getString("lastMove.status"), last.prettify());
    }

    @Test
    void badRequestsAreProblems() {
        Tenant a = TestApi.signup();
        problem(asAdmin().post("/admin/tenants/" + a.id() + "/restore-to").then(), 400);
        problem(asAdmin().post("/admin/tenants/" + a.id() + "/restore-to?time=yesterday").then(), 400);
        problem(asAdmin().post("/admin/tenants/" + a.id() + "/restore-to?time=2999-01-01T00:00:00Z").then(), 400);
        problem(asAdmin().post("/admin/tenants/" + a.id() + "/restore-to?time=2020-01-01T00:00:00Z&mode=merge").then(), 400);
        problem(asAdmin().post("/admin/tenants/" + UUID.randomUUID() + "/restore-to?time=2020-01-01T00:00:00Z").then(), 404);
        problem(asAdmin().get("/admin/tenant-restores/999999999").then(), 404);
        problem(as(a).post("/admin/tenants/" + a.id() + "/restore-to?time=2020-01-01T00:00:00Z").then(), 401);
    }

    private static void flag(Tenant t, String key, String variant) {
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"" + variant + "\"}")
                .put("/api/v1/flags/" + key).then().statusCode(201);
    }
}
