package dev.onebase.resp;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the Redis protocol server ({@code onebase.resp.*}, env {@code ONEBASE_RESP_*}); docs/resp.md. */
@ConfigMapping(prefix = "onebase.resp")
public interface RespConfig {

    /** Whether the RESP port is opened at all. */
    @WithDefault("true")
    boolean enabled();

    /** The port (0: a free one, as in the tests). Not 6379, so that a Redis on the same machine keeps its port. */
    @WithDefault("6380")
    int port();

    @WithDefault("0.0.0.0")
    String host();

    /** PEM certificate chain; with {@link #tlsKey()} the port speaks TLS only. */
    Optional<String> tlsCert();

    /** PEM private key of {@link #tlsCert()}. */
    Optional<String> tlsKey();

    /** Most commands of one connection waiting for their answer before it stops reading from the socket. */
    @WithDefault("1024")
    int maxPipeline();

    /**
     * Event loops that serve RESP connections (0: one per core). Fewer loops put more connections on each, so more of
     * their concurrent GETs and SETs share a statement (see CacheBatcher); docs/resp.md#pipelining.
     */
    @WithDefault("1")
    int eventLoops();
}
