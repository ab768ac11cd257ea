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

    /**
     * One bucket of a tenant's usage over time: the API requests counted in it (and of them, refused with 429), and
     * the storage as of its end ({@code null} when nothing was recorded yet).
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record HistoryPoint(OffsetDateTime at, long requests, long rejected, Long bytesStored) {
    }

    /** A tenant's usage from {@code from} (inclusive) to {@code to} (exclusive), one point per minute or per day. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "UsageHistory")
    public record History(UUID tenantId, String resolution, OffsetDateTime from, OffsetDateTime to, List<HistoryPoint> points) {
    }
}
