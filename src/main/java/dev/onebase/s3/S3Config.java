package dev.onebase.s3;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The S3 endpoint's settings ({@code onebase.s3.*}, docs/s3.md). */
@ConfigMapping(prefix = "onebase.s3")
public interface S3Config {

    /** Off when false; also off while no secret key is configured (the access keys' secrets cannot be kept). */
    @WithDefault("true")
    boolean enabled();

    /** Its own port, so S3 clients see buckets at the root; 0 picks a free one. */
    @WithDefault("9000")
    int port();

    @WithDefault("0.0.0.0")
    String host();

    /** With a domain set, {@code bucket.<domain>} in the Host header addresses the bucket (virtual-host style). */
    Optional<String> domain();

    /** The region clients sign for and GetBucketLocation answers. */
    @WithDefault("us-east-1")
    String region();

    /** Encrypts the access keys' secrets (AES-256-GCM under its SHA-256); from a Kubernetes Secret in production. */
    Optional<String> secretKey();

    /** Multipart uploads not completed or aborted within this are removed by the s3-abandoned-uploads job. */
    @WithDefault("P7D")
    Duration uploadExpiry();

    /** Largest accepted clock difference of a signed request. */
    @WithDefault("15m")
    Duration maxClockSkew();
}
