package dev.onebase.backup;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;

/** A failed backup or restore test: a log line, a counter, the admin API's recent alerts, and the optional webhook. */
@ApplicationScoped
public class BackupAlerts {

    private static final Logger LOG = Logger.getLogger(BackupAlerts.class);

    public record Alert(Instant at, String event, String kind, Long id, String error) {
    }

    private final BackupConfig config;
    private final MeterRegistry registry;
    private final Deque<Alert> recent = new ArrayDeque<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public BackupAlerts(BackupConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    public void raise(String event, String kind, Long id, String error) {
        Alert alert = new Alert(Instant.now(), event, kind, id, error);
        LOG.errorf("onebase %s (%s, id %s): %s", event, kind, id, error);
        registry.counter("onebase.backup.failures", "event", event, "kind", kind).increment();
        synchronized (recent) {
            recent.addFirst(alert);
            while (recent.size() > 50) {
                recent.removeLast();
            }
        }
        config.alert().webhookUrl().ifPresent(url -> {
            try {
                String body = Artifacts.JSON.writeValueAsString(Map.of("source", "onebase", "event", event, "kind", kind,
                        "id", id == null ? -1 : id, "error", error == null ? "" : error, "at", alert.at().toString()));
                http.sendAsync(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            if (e != null) {
                                LOG.warnf("backup alert webhook %s failed: %s", url, e.getMessage());
                            }
                        });
            } catch (Exception e) {
                LOG.warnf("backup alert webhook %s failed: %s", url, e.getMessage());
            }
        });
    }

    public List<Alert> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
