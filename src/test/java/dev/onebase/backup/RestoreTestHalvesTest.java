package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.smallrye.config.SmallRyeConfigBuilder;

/** Each half of the restore test follows whether its kind of backup is taken at all. */
class RestoreTestHalvesTest {

    private static Config config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withDefaultValues(values).build();
    }

    @Test
    void snapshotsTurnedOffAsAdvisedAboveFiftyGigabytesLeaveOnlyTheFullCopyHalf() {
        assertEquals(new RestoreTester.Halves(false, true),
                RestoreTester.Halves.of(config(Map.of("onebase.jobs.backup-snapshot.enabled", "false")), true));
    }

    @Test
    void fullCopiesTurnedOffOrTheirTestTurnedOffLeaveOnlyTheSnapshotHalf() {
        assertEquals(new RestoreTester.Halves(true, false),
                RestoreTester.Halves.of(config(Map.of("onebase.jobs.backup-full.enabled", "false")), true));
        assertEquals(new RestoreTester.Halves(true, false), RestoreTester.Halves.of(config(Map.of()), false));
        assertEquals(new RestoreTester.Halves(true, true), RestoreTester.Halves.of(config(Map.of()), true));
    }
}
