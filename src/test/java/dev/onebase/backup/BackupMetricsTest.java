package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The gauges before any backup exists: an age an alert can fire on, never NaN. */
class BackupMetricsTest {

    @Test
    void beforeTheFirstBackupTheAgeCountsFromServiceStart() throws Exception {
        BackupCatalog empty = new BackupCatalog(null) {
            @Override
            public BackupRecord newestVerified(String kind) {
                return null;
            }

            @Override
            public List<RestoreTestRecord> restoreTests(int limit) {
                return List.of();
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BackupMetrics metrics = new BackupMetrics(empty, new WalStreamer(null, null, null, null), registry);
        Thread.sleep(1100);
        metrics.refresh();
        for (String kind : List.of(BackupCatalog.SNAPSHOT, BackupCatalog.FULL)) {
            double age = registry.get("onebase.backup.newest.verified.age.seconds").tag("kind", kind).gauge().value();
            assertFalse(Double.isNaN(age), "no backup yet must not read NaN: a 'too old' alert would stay silent");
            assertTrue(age >= 1, "seconds since the service started: " + age);
        }
    }
}
