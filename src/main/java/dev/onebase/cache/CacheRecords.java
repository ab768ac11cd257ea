package dev.onebase.cache;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
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

        /** A missing key has neither value field; bytes that are not UTF-8 text go in valueBase64. */
        static Found of(String key, CacheStore.Value v) {
            if (v == null) {
                return new Found(key, null, null, null);
            }
            String text = utf8(v.bytes());
            return new Found(key, text, text == null ? Base64.getEncoder().encodeToString(v.bytes()) : null, v.contentType());
        }

        private static String utf8(byte[] bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }
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
