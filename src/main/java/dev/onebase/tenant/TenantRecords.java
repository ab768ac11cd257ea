package dev.onebase.tenant;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The shapes the tenant API reads and writes. */
public final class TenantRecords {

    private TenantRecords() {
    }

    public record SignupRequest(String slug, String name, String plan) {
    }

    public record TenantUpdate(String name, ObjectNode settings) {
    }

    public record PlanChange(String plan) {
    }

    public record KeyRequest(String name, List<String> scopes) {
    }

    public record PlanLimits(String id, long storageBytes, long maxFileBytes, int cacheEntries, int requestsPerMinute) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantView(UUID id, String slug, String name, String plan, String status, Map<String, Object> settings,
            OffsetDateTime createdAt, OffsetDateTime deletedAt, PlanLimits limits) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyView(UUID id, String name, String prefix, List<String> scopes, OffsetDateTime createdAt,
            OffsetDateTime lastUsedAt, OffsetDateTime revokedAt) {
    }

    /** The one time a key's secret is shown. */
    public record NewKey(KeyView key, String secret) {
    }

    public record Provisioned(TenantView tenant, NewKey apiKey) {
    }

    public record Page<T>(List<T> items, String next) {
    }

    /** What authentication learns about a key. */
    public record Principal(UUID keyId, Set<String> scopes, String status, String plan) {
    }
}
