package dev.onebase.web;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * The service's own counters, each with a small fixed set of label values (never a tenant, a key or a path: per-tenant
 * figures are in the usage statistics, docs/stats.md). Static so that the one line that counts needs no injection;
 * registered at start-up so every series exists, at 0, before the first scrape. On /q/metrics:
 * <ul>
 * <li>{@code onebase_cache_lookups_total{result="hit|miss"}}: cache reads by key (HTTP, RESP), one per key asked for;</li>
 * <li>{@code onebase_requests_limited_total{reason="plan|transfers"}}: answers 429, over the plan's request limit or
 * the tenant's concurrent transfers;</li>
 * <li>{@code onebase_auth_failures_total{credential="api-key|admin-token"}}: credentials refused (401/403);</li>
 * <li>{@code onebase_transfer_bytes_total{direction="uploaded|downloaded"}}: bytes of the files API's and the console's
 * file requests and answers (the S3 port is not counted here).</li>
 * </ul>
 */
@Startup
@ApplicationScoped
public class ServiceMetrics {

    private static volatile Counters counters = new Counters(new SimpleMeterRegistry());

    public ServiceMetrics(MeterRegistry registry) {
        counters = new Counters(registry);
    }

    /** Counts cache reads: {@code hits} keys found, {@code misses} not. */
    public static void cacheLookups(int hits, int misses) {
        Counters c = counters;
        if (hits > 0) {
            c.hits.increment(hits);
        }
        if (misses > 0) {
            c.misses.increment(misses);
        }
    }

    /** Counts a 429 for going over the plan's request limit. */
    public static void limitedByPlan() {
        counters.plan.increment();
    }

    /** Counts a 429 for too many concurrent transfers of one tenant. */
    public static void limitedByTransfers() {
        counters.transfers.increment();
    }

    /** Counts an API key refused (missing, malformed, unknown, revoked, suspended tenant, missing scope). */
    public static void apiKeyRefused() {
        counters.apiKey.increment();
    }

    /** Counts an admin credential refused. */
    public static void adminTokenRefused() {
        counters.adminToken.increment();
    }

    /** Counts the bytes a file request brought in and its answer took out. */
    public static void transferred(long uploaded, long downloaded) {
        Counters c = counters;
        if (uploaded > 0) {
            c.uploaded.increment(uploaded);
        }
        if (downloaded > 0) {
            c.downloaded.increment(downloaded);
        }
    }

    private static final class Counters {
        final Counter hits;
        final Counter misses;
        final Counter plan;
        final Counter transfers;
        final Counter apiKey;
        final Counter adminToken;
        final Counter uploaded;
        final Counter downloaded;

        Counters(MeterRegistry r) {
            hits = lookups(r, "hit");
            misses = lookups(r, "miss");
            plan = limited(r, "plan");
            transfers = limited(r, "transfers");
            apiKey = auth(r, "api-key");
            adminToken = auth(r, "admin-token");
            uploaded = Counter.builder("onebase.transfer.bytes").description("Bytes of file bodies, uploaded and downloaded")
                    .baseUnit("bytes").tag("direction", "uploaded").register(r);
            downloaded = Counter.builder("onebase.transfer.bytes").description("Bytes of file bodies, uploaded and downloaded")
                    .baseUnit("bytes").tag("direction", "downloaded").register(r);
        }

        private static Counter lookups(MeterRegistry r, String result) {
            return Counter.builder("onebase.cache.lookups").description("Cache reads by key, found (hit) or not (miss)")
                    .tag("result", result).register(r);
        }

        private static Counter limited(MeterRegistry r, String reason) {
            return Counter.builder("onebase.requests.limited").description("Requests answered 429").tag("reason", reason).register(r);
        }

        private static Counter auth(MeterRegistry r, String credential) {
            return Counter.builder("onebase.auth.failures").description("Credentials refused (401/403)")
                    .tag("credential", credential).register(r);
        }
    }
}
