package dev.onebase.auth;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The shapes of the key API, and what authentication learns about a key. */
public final class ApiKeyRecords {

    private ApiKeyRecords() {
    }

    public record KeyRequest(String name, List<String> scopes) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyView(UUID id, String name, String prefix, List<String> scopes, OffsetDateTime createdAt,
            OffsetDateTime lastUsedAt, OffsetDateTime revokedAt) {
    }

    /** The one time a key's secret is shown. */
    public record NewKey(KeyView key, String secret) {
    }

    /** What authentication learns about a key. */
    public record Principal(UUID keyId, Set<String> scopes, String status, String plan) {
    }
}
