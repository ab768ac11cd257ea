package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Full copies turned off: the weekly restore-test job, run through the admin job API, passes on its snapshot half and
 * reports the full-copy half as not enabled: no full-copy restore test is recorded, nothing fails, nothing alerts.
 */
@QuarkusTest
@TestProfile(RestoreTestFullCopiesOffTest.FullCopiesOff.class)
class RestoreTestFullCopiesOffTest {

    public static class FullCopiesOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("onebase.jobs.backup-full.enabled", "false");
        }
    }

    @Test
    void theRestoreTestJobPassesOnTheSnapshotAndSkipsTheFullCopyHalf() {
        JsonPath snapshot = RestoreTestSnapshotsOffTest.runJob("backup-snapshot");
        assertEquals("succeeded", snapshot.getString("outcome"), snapshot.prettify());
        RestoreTestSnapshotsOffTest.RestoreTestHalvesEndToEnd.assertOnlyOneHalfRuns("snapshot", "full", "backup-full");
    }
}
