package dev.onebase.stats;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** The shapes of the usage endpoints. A null count means "not tracked yet" (its feature is not there), never zero. */
public final class StatsRecords {

    private StatsRecords() {
    }

    /**
     * A tenant's usage as of {@code refreshedAt}. {@code counted} is false for a tenant that signed up after the last
     * refresh (it appears at the next one).
     */
    public record Usage(UUID tenantId, boolean counted, Long files, Long bytesStored, Long cacheEntries, Long liveSessions,
            Long apiKeys, Long requestsLastDay, OffsetDateTime refreshedAt) {
    }

    public record TenantUsage(UUID tenantId, String slug, String status, String plan, Long files, Long bytesStored,
            Long cacheEntries, Long liveSessions, Long apiKeys, Long requestsLastDay) {
    }

    public record UsagePage(List<TenantUsage> items, String next, OffsetDateTime refreshedAt) {
    }

    public record Dashboard(long tenantsTotal, long tenantsActive, long tenantsSuspended, long tenantsDeleted, long newThisWeek,
            long activeToday, Long storageBytesTotal, OffsetDateTime refreshedAt) {
    }
}
