package dev.onebase.backup;

import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Snapshots turned off (the documented advice above 50 GB): the weekly restore-test job, run through the admin job
 * API, passes on its full-copy half and reports the snapshot half as not enabled: no snapshot restore test is
 * recorded, nothing fails, nothing alerts.
 */
@QuarkusTest
@TestProfile(RestoreTestSnapshotsOffTest.SnapshotsOff.class)
class RestoreTestSnapshotsOffTest {

    public static class SnapshotsOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("onebase.jobs.backup-snapshot.enabled", "false");
        }
    }

    @Test
    void theRestoreTestJobPassesOnTheFullCopyAndSkipsTheSnapshotHalf() {
        JsonPath full = runJob("backup-full");
        assertEquals("succeeded", full.getString("outcome"), full.prettify());
        RestoreTestHalvesEndToEnd.assertOnlyOneHalfRuns("full", "snapshot", "backup-snapshot");
    }

    /** POST /admin/jobs/{name}/run?wait=true: the finished run. */
    static JsonPath runJob(String job) {
        return asAdmin().post("/admin/jobs/" + job + "/run?wait=true").then().statusCode(200).extract().jsonPath();
    }

    /** What both scenarios check, through the admin API only. */
    static final class RestoreTestHalvesEndToEnd {

        private RestoreTestHalvesEndToEnd() {
        }

        static void assertOnlyOneHalfRuns(String enabled, String disabled, String disabledJob) {
            List<Map<String, Object>> before = asAdmin().get("/admin/backups/restore-tests?limit=1000").then().statusCode(200)
                    .extract().jsonPath().getList("$");
            long newestBefore = before.stream().mapToLong(t -> ((Number) t.get("id")).longValue()).max().orElse(0);
            Instant started = Instant.now();

            JsonPath run = runJob("backup-restore-test");

            assertEquals("succeeded", run.getString("outcome"), "the restore-test job: " + run.prettify());
            List<Map<String, Object>> tests = asAdmin().get("/admin/backups/restore-tests?limit=1000").then().statusCode(200)
                    .extract().jsonPath().getList("$");
            List<Map<String, Object>> ran = tests.stream().filter(t -> ((Number) t.get("id")).longValue() > newestBefore).toList();
            assertEquals(List.of(enabled), ran.stream().map(t -> t.get("kind")).toList(),
                    "only the " + enabled + " half runs, the " + disabled + " half is not even attempted: " + ran);
            assertEquals("passed", ran.get(0).get("status"), "the " + enabled + " half: " + ran.get(0));
            List<Map<String, Object>> alerts = asAdmin().get("/admin/backups/alerts").then().statusCode(200).extract().jsonPath()
                    .getList("$");
            List<Map<String, Object>> newAlerts = alerts.stream()
                    .filter(a -> !Instant.parse(String.valueOf(a.get("at"))).isBefore(started)).toList();
            assertEquals(List.of(), newAlerts, "no alert since " + started);
            String detail = run.getString("detail");
            assertTrue(detail.contains(enabled + " passed"), detail);
            assertTrue(detail.contains(disabled + " skipped") && detail.contains("onebase.jobs." + disabledJob + ".enabled=false"),
                    "the job's detail reports the disabled half as skipped: " + detail);
        }
    }
}
