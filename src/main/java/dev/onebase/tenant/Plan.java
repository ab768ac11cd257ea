package dev.onebase.tenant;

import io.vertx.mutiny.sqlclient.Row;

/**
 * A plan's limits, as the {@code plans} table holds them: the one shape every feature reads them in (files, cache,
 * request limit, the tenant view).
 */
public record Plan(String id, long storageBytes, long maxFileBytes, long cacheEntries, int maxKeyBytes, int maxValueBytes,
        int requestsPerMinute) {

    /** The columns {@link #from(Row)} reads, for a query on {@code plans p}. */
    public static final String COLUMNS = """
            p.id as plan_id, p.storage_bytes, p.max_file_bytes, p.cache_entries, p.cache_max_key_bytes, p.cache_max_value_bytes,
            p.requests_per_minute""";

    public static Plan from(Row r) {
        return new Plan(r.getString("plan_id"), r.getLong("storage_bytes"), r.getLong("max_file_bytes"), r.getLong("cache_entries"),
                r.getInteger("cache_max_key_bytes"), r.getInteger("cache_max_value_bytes"), r.getInteger("requests_per_minute"));
    }
}
