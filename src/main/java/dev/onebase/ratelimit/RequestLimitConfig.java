package dev.onebase.ratelimit;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The service's own per-tenant request limit ({@code onebase.cache.request-limit.*}; the prefix predates the package). */
@ConfigMapping(prefix = "onebase.cache.request-limit")
public interface RequestLimitConfig {

    /** The per-tenant limit on every /api call (from the plan's requests_per_minute). */
    @WithDefault("true")
    boolean enabled();

    /** Overrides every plan's requests_per_minute when set. */
    Optional<Integer> perMinute();

    /** How often a replica adds the requests it counted to tenant_request_counts (also with every lease). */
    @WithDefault("5s")
    Duration flushInterval();
}
