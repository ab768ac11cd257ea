package dev.onebase.cache;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the key/value cache ({@code onebase.cache.*}, env {@code ONEBASE_CACHE_*}). The sessions' and the request
 * limit's settings share the prefix for compatibility but are read by their own features ({@code SessionConfig},
 * {@code RequestLimitConfig}).
 */
@ConfigMapping(prefix = "onebase.cache")
public interface CacheConfig {

    /** Most keys in one batch call (MGET, MSET, DEL, EXISTS). */
    @WithDefault("1000")
    int batchMaxKeys();

    /** Most keys one SCAN page returns. */
    @WithDefault("1000")
    int scanMaxCount();

    Sweep sweep();

    interface Sweep {
        /** Rows deleted per batch (each batch is its own short transaction). */
        @WithDefault("1000")
        int batchSize();

        /** Most batches per run; what is left waits for the next tick. */
        @WithDefault("100")
        int maxBatches();

        /**
         * The longest one batch may run (and so hold the expired rows it locked, which a request for one of those
         * keys waits for): a slower batch is cancelled and retried at half the size.
         */
        @WithDefault("500ms")
        Duration statementTimeout();

        /** How long tenant_request_counts rows are kept. */
        @WithDefault("P35D")
        Duration requestCountRetention();
    }
}
