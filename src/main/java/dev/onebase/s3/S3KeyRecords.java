package dev.onebase.s3;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The shapes of the S3 access key API. */
public final class S3KeyRecords {

    private S3KeyRecords() {
    }

    public record S3KeyRequest(String name, List<String> scopes) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record S3KeyView(UUID id, String accessKeyId, String name, List<String> scopes, OffsetDateTime createdAt,
            OffsetDateTime lastUsedAt, OffsetDateTime revokedAt) {
    }

    /** The one time a secret access key is shown. */
    public record NewS3Key(S3KeyView key, String secretAccessKey) {
    }
}
