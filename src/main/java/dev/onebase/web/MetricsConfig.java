package dev.onebase.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.quarkus.vertx.VertxOptionsCustomizer;

/**
 * How the metrics are shaped (docs/observability.md):
 * <ul>
 * <li>HTTP latency and pool wait are histograms with fixed buckets ({@code _bucket{le=...}}), so p95/p99 can be
 * computed across replicas with {@code histogram_quantile} (a per-replica percentile cannot be averaged);</li>
 * <li>the Vert.x SQL pool's metrics are renamed to say what they are: {@code sql_pool_queue_size} (requests waiting
 * for a connection) becomes {@code onebase_db_pool_pending}, {@code sql_pool_queue_delay} (how long they waited)
 * {@code onebase_db_pool_wait}, the rest {@code onebase_db_pool_*};</li>
 * <li>the SQL clients' metrics, named after each connection's application name ({@code postgresql_*},
 * {@code onebase_jobs_*}, {@code onebase_listener_*}, {@code onebase_pipelined_*}, which read as if they were job
 * queues), become {@code onebase_db_client_*} with a {@code connections} label (pool, jobs, listener, pipelined).</li>
 * </ul>
 */
public class MetricsConfig {

    /** Latency buckets: from a cache hit (a few ms) to a long upload's pause bound. */
    static final Duration[] BUCKETS = { Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60) };

    private static final List<String> HISTOGRAMS = List.of("http.server.requests", "onebase.db.pool.wait");

    /** Meters Quarkus' Vert.x binder registers once per HTTP server (main port and S3 port), tagged by its port. */
    static final List<String> SERVER_METERS = List.of("http.server.active.connections", "http.server.active.requests",
            "http.server.connections", "http.server.bytes.read", "http.server.bytes.written", "http.server.errors");

    private static final Map<String, String> POOL = Map.of("sql.pool.queue.size", "onebase.db.pool.pending",
            "sql.pool.queue.delay", "onebase.db.pool.wait");

    private static final List<String> CLIENT_SUFFIXES = List.of(".queue.size", ".queue.delay", ".processing", ".current",
            ".completed", ".reset");

    private static final Map<String, String> CLIENTS = Map.of("postgresql", "pool", "onebase-jobs", "jobs", "onebase-listener",
            "listener", "onebase-pipelined", "pipelined");

    @Produces
    @Singleton
    MeterFilter shape() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String name = id.getName();
                if (SERVER_METERS.contains(name) && id.getTag("server.port") == null) {
                    // Quarkus' binder leaves server.port out for a server on port 0 (the main server in tests):
                    // one set of label names per metric, so the S3 server's series (which has one) sits beside it
                    return id.withTag(Tag.of("server.port", "0"));
                }
                if (name.startsWith("sql.pool.")) {
                    return id.withName(POOL.getOrDefault(name, "onebase.db.pool." + name.substring("sql.pool.".length())));
                }
                if ("sql".equals(id.getTag("clientType"))) {
                    for (String suffix : CLIENT_SUFFIXES) {
                        if (name.endsWith(suffix)) {
                            String client = name.substring(0, name.length() - suffix.length());
                            List<Tag> tags = new java.util.ArrayList<>();
                            id.getTags().stream().filter(t -> !t.getKey().equals("clientName") && !t.getKey().equals("clientType"))
                                    .forEach(tags::add);
                            tags.add(Tag.of("connections", CLIENTS.getOrDefault(client, "other")));
                            return id.withName("onebase.db.client" + suffix).replaceTags(Tags.of(tags));
                        }
                    }
                }
                return id;
            }

            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!HISTOGRAMS.contains(id.getName())) {
                    return config;
                }
                double[] slos = new double[BUCKETS.length];
                for (int i = 0; i < BUCKETS.length; i++) {
                    slos[i] = BUCKETS[i].toNanos();
                }
                return DistributionStatisticConfig.builder().percentilesHistogram(false).serviceLevelObjectives(slos).build()
                        .merge(config);
            }
        };
    }

    /**
     * The HTTP server request Timer recorded without per-request tag building ({@link LeanHttpMetrics}): applied after
     * Quarkus' binder has set the Vert.x metrics options (CDI customizers run after the extensions').
     */
    @Produces
    @Singleton
    VertxOptionsCustomizer leanHttpMetrics() {
        return LeanHttpMetrics::install;
    }

    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
    static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
    static final AttributeKey<String> DB_NAME = AttributeKey.stringKey("db.name");

    /**
     * Tracing (docs/observability.md#tracing, off unless the OpenTelemetry SDK is turned on): an HTTP span keeps the
     * route ({@code http.route}, the span's name), never the raw path or query, which carry cache keys, file paths and
     * object keys. The database spans carry the statement text as the SQL client sends it ({@code $1} placeholders,
     * literals masked by the instrumentation), never the parameters, and {@code db.system=postgresql} with the
     * database's name in {@code db.name}.
     */
    @Produces
    @Singleton
    SpanProcessor redactPaths() {
        return new SpanProcessor() {
            @Override
            public void onStart(Context parent, ReadWriteSpan span) {
                String path = span.getAttribute(URL_PATH);
                if (path != null) {
                    String root = RouteTemplates.fallback(path);
                    span.setAttribute(URL_PATH, root == null ? "/{path}" : root);
                }
                if (span.getAttribute(URL_QUERY) != null) {
                    span.setAttribute(URL_QUERY, "{query}");
                }
                String system = span.getAttribute(DB_SYSTEM);
                if (system != null && !"postgresql".equals(system)) {
                    // the reactive SQL client's tracer hands over the database's name where the system belongs
                    span.setAttribute(DB_NAME, system);
                    span.setAttribute(DB_SYSTEM, "postgresql");
                }
            }

            @Override
            public boolean isStartRequired() {
                return true;
            }

            @Override
            public void onEnd(ReadableSpan span) {
            }

            @Override
            public boolean isEndRequired() {
                return false;
            }
        };
    }
}
