package dev.onebase.backup;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * Gauges of the backup state (refreshed from the catalog every 30 s, so a scrape never waits on the database):
 * age of the newest verified backup per kind (from service start while there is none), WAL age, its size and duration, WAL lag and restarts, the last restore test.
 * Failures count in {@code onebase_backup_failures_total} (see {@link BackupAlerts}). Created at start-up so the
 * gauges exist before the first scrape.
 */
@Startup
@ApplicationScoped
public class BackupMetrics {

    private static final Logger LOG = Logger.getLogger(BackupMetrics.class);

    private final BackupCatalog catalog;
    private final WalStreamer streamer;
    private final Map<String, Double> values = new ConcurrentHashMap<>();
    private final Instant serviceStart = Instant.now();

    public BackupMetrics(BackupCatalog catalog, WalStreamer streamer, MeterRegistry registry) {
        this.catalog = catalog;
        this.streamer = streamer;
        for (String kind : new String[] { BackupCatalog.SNAPSHOT, BackupCatalog.FULL }) {
            gauge(registry, "onebase.backup.newest.verified.age.seconds", kind, "Age of the newest verified backup");
            gauge(registry, "onebase.backup.size.bytes", kind, "Size of the newest verified backup");
            gauge(registry, "onebase.backup.duration.seconds", kind, "How long the newest verified backup took");
            gauge(registry, "onebase.backup.restore.duration.seconds", kind, "How long the last restore test took (RTO)");
            gauge(registry, "onebase.backup.restore.passed", kind, "1 when the last restore test passed, 0 when it failed");
        }
        Gauge.builder("onebase.backup.wal.lag.bytes", streamer, s -> s.lagBytes() < 0 ? Double.NaN : s.lagBytes())
                .description("WAL not yet flushed by pg_receivewal").register(registry);
        Gauge.builder("onebase.backup.wal.age.seconds", streamer, s -> s.walAgeSeconds(Instant.now()))
                .description("Age of the newest WAL known to be streamed into the archive").register(registry);
        Gauge.builder("onebase.backup.wal.restarts", streamer, WalStreamer::restarts)
                .description("Times pg_receivewal was restarted").register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String kind, String description) {
        String key = name + "|" + kind;
        Gauge.builder(name, values, v -> v.getOrDefault(key, Double.NaN)).tag("kind", kind).description(description)
                .register(registry);
    }

    @Scheduled(every = "30s", delay = 2)
    public void refresh() {
        try {
            for (String kind : new String[] { BackupCatalog.SNAPSHOT, BackupCatalog.FULL }) {
                BackupRecord r = catalog.newestVerified(kind);
                // none yet: as old as the service, so a "too old" alert fires when no backup ever succeeds
                Instant at = r == null ? serviceStart : (r.finishedAt() != null ? r.finishedAt() : r.startedAt()).toInstant();
                values.put("onebase.backup.newest.verified.age.seconds|" + kind, (Instant.now().toEpochMilli() - at.toEpochMilli()) / 1000.0);
                if (r != null) {
                    values.put("onebase.backup.size.bytes|" + kind, r.sizeBytes() == null ? Double.NaN : r.sizeBytes());
                    values.put("onebase.backup.duration.seconds|" + kind, r.durationMs() == null ? Double.NaN : r.durationMs() / 1000.0);
                }
            }
            for (RestoreTestRecord t : catalog.restoreTests(20)) {
                if (!"running".equals(t.status()) && !values.containsKey("seen|" + t.kind() + "|" + t.id())) {
                    String newest = "onebase.backup.restore.passed|" + t.kind();
                    if (!values.containsKey("latest|" + t.kind()) || values.get("latest|" + t.kind()) < t.id()) {
                        values.put("latest|" + t.kind(), (double) t.id());
                        values.put(newest, "passed".equals(t.status()) ? 1.0 : 0.0);
                        values.put("onebase.backup.restore.duration.seconds|" + t.kind(), t.durationMs() == null ? Double.NaN : t.durationMs() / 1000.0);
                    }
                }
            }
            streamer.alertIfStale(Instant.now());
        } catch (RuntimeException ex) {
            LOG.debugf("backup metrics refresh: %s", ex.getMessage());
        }
    }
}
