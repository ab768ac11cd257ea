package dev.onebase.file;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** File storage settings ({@code onebase.files.*}). */
@ConfigMapping(prefix = "onebase.files")
public interface FileConfig {

    /** Content up to this size is kept inline as bytea; bigger content goes into a large object. */
    @WithDefault("1M")
    MemorySize inlineThreshold();

    /**
     * How much is written or read per lo_put / lo_get round trip. Kept under half a G1 region (1 MiB at small heaps)
     * so chunks are not humongous allocations: 256K measured 2-4x faster than 1M at -Xmx64m.
     */
    @WithDefault("256K")
    MemorySize chunkSize();

    /** Previous versions kept per file; older ones are removed (and their objects unlinked) on overwrite. */
    @WithDefault("20")
    int maxVersions();

    /** How long a soft-deleted file can be restored before the purge job removes it. */
    @WithDefault("P30D")
    Duration retention();

    /** Largest width or height a thumbnail may be asked for. */
    @WithDefault("1024")
    int thumbnailMaxSize();

    /** Largest source file a thumbnail is made from (it is read whole into memory, then decoded subsampled). */
    @WithDefault("32M")
    MemorySize thumbnailMaxSource();

    /** Largest source image, in pixels (width x height), a thumbnail is made from. */
    @WithDefault("100000000")
    long thumbnailMaxPixels();

    /** Page size limit of folder listings. */
    @WithDefault("1000")
    int maxPageSize();

    /**
     * How long an upload waits for the next bytes of its body (or a download for the client to take the next ones)
     * before it is abandoned and its transaction rolled back.
     */
    @WithDefault("30s")
    Duration bodyIdleTimeout();

    /** Concurrent streaming uploads and downloads per tenant and replica; unset: a quarter of the pool, at least 1. */
    Optional<Integer> maxTransfersPerTenant();
}
