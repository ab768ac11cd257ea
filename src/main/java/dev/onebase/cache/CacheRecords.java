package dev.onebase.cache;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The JSON shapes of the cache's batch routes. Values are UTF-8 text in "value" or any bytes in "valueBase64". */
public final class CacheRecords {

    private CacheRecords() {
    }

    public record Keys(List<String> keys) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Item(String key, String value, String valueBase64, Long ttlMs) {
    }

    public record Items(List<Item> entries) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Found(String key, String value, String valueBase64, String contentType) {
    }

    public record Values(List<Found> values) {
    }

    public record Count(long count) {
    }

    public record Ttl(long ttl, long pttl) {
    }

    public record Applied(boolean applied) {
    }

    public record Counter(long value) {
    }

    public record Page(List<String> keys, String cursor) {
    }
}
