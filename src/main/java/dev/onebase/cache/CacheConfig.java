package dev.onebase.cache;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the cache, sessions, rate limits and flags ({@code onebase.cache.*}, env {@code ONEBASE_CACHE_*}). */
@ConfigMapping(prefix = "onebase.cache")
public interface CacheConfig {

    /** Most keys in one batch call (MGET, MSET, DEL, EXISTS). */
    @WithDefault("1000")
    int batchMaxKeys();

    /** Most keys one SCAN page returns. */
    @WithDefault("1000")
    int scanMaxCount();

    /** How long the plan limits read from the plans table are reused before they are read again. */
    @WithDefault("PT1M")
    Duration planRefresh();

    Sweep sweep();

    RequestLimit requestLimit();

    Sessions sessions();

    interface Sweep {
        /** Rows deleted per batch (each batch is its own short transaction). */
        @WithDefault("1000")
        int batchSize();

        /** Most batches per run; what is left waits for the next tick. */
        @WithDefault("100")
        int maxBatches();

        /** How long tenant_request_counts rows are kept. */
        @WithDefault("P35D")
        Duration requestCountRetention();
    }

    interface RequestLimit {
        /** The per-tenant limit on every /api call (from the plan's requests_per_minute). */
        @WithDefault("true")
        boolean enabled();

        /** Overrides every plan's requests_per_minute when set. */
        Optional<Integer> perMinute();

        /** How often a replica adds the requests it counted to tenant_request_counts (also with every lease). */
        @WithDefault("5s")
        Duration flushInterval();
    }

    interface Sessions {
        /** Idle timeout of a session created without one. */
        @WithDefault("PT30M")
        Duration defaultIdle();

        /** Longest idle timeout or absolute lifetime a client may ask for. */
        @WithDefault("P90D")
        Duration maxLifetime();
    }
}
