package dev.onebase.tenant;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.onebase.auth.ApiKeyRecords.NewKey;

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

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantView(UUID id, String slug, String name, String plan, String status, Map<String, Object> settings,
            OffsetDateTime createdAt, OffsetDateTime deletedAt, Plan limits) {
    }

    public record Provisioned(TenantView tenant, NewKey apiKey) {
    }

    public record Page<T>(List<T> items, String next) {
    }
}
