package dev.onebase.flag;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.auth.ApiKeys;
import dev.onebase.flag.FlagEvaluator.Evaluation;

/** The OpenFeature Remote Evaluation Protocol's answers (service/openapi.yaml of open-feature/protocol). */
final class Ofrep {

    private Ofrep() {
    }

    /** A flag evaluated; metadata is always present (providers copy it without a null check). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Success(String key, JsonNode value, String reason, String variant, Map<String, Object> metadata) {
    }

    /** A flag that could not be evaluated: errorCode FLAG_NOT_FOUND, PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT or GENERAL. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Failure(String key, String errorCode, String errorDetails, Map<String, Object> metadata) {
    }

    record Bulk(List<Object> flags) {
    }

    /** The OFREP item of one evaluation: a success, or a failure when evaluation itself failed (reason ERROR). */
    static Object item(Flag flag, Evaluation e) {
        Map<String, Object> metadata = flag.description() == null || flag.description().isEmpty() ? Map.of()
                : Map.of("description", flag.description());
        if (e.errorCode() != null) {
            return new Failure(e.key(), e.errorCode(), e.errorMessage(), metadata);
        }
        return new Success(e.key(), e.value(), e.reason(), e.variant(), metadata);
    }

    static Failure failure(String key, FlagEvaluation problem) {
        return new Failure(key, problem.errorCode(), problem.getMessage(), Map.of());
    }

    /** A strong validator of the bulk answer itself: it changes when a flag or the context changes the answer. */
    static String etag(String body) {
        byte[] digest = ApiKeys.sha256(body.getBytes(StandardCharsets.UTF_8));
        return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    }
}
