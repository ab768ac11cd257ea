package dev.onebase.session;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Session lifetimes ({@code onebase.cache.sessions.*}; the prefix predates the package). */
@ConfigMapping(prefix = "onebase.cache.sessions")
public interface SessionConfig {

    /** Idle timeout of a session created without one. */
    @WithDefault("PT30M")
    Duration defaultIdle();

    /** Longest idle timeout or absolute lifetime a client may ask for. */
    @WithDefault("P90D")
    Duration maxLifetime();
}
