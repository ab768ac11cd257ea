package dev.onebase.flag;

import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.web.ProblemException;

/**
 * A request to evaluate that cannot be answered, with its OpenFeature error code (PARSE_ERROR, INVALID_CONTEXT,
 * FLAG_NOT_FOUND, GENERAL): a problem on the {@code /api} routes, an OFREP error body on {@code /ofrep}.
 */
final class FlagEvaluation extends ProblemException {

    private final String errorCode;

    private FlagEvaluation(int status, String title, String errorCode, String detail) {
        super(status, title, detail);
        this.errorCode = errorCode;
    }

    String errorCode() {
        return errorCode;
    }

    static FlagEvaluation missing(String key) {
        return new FlagEvaluation(404, "Not Found", "FLAG_NOT_FOUND", "FLAG_NOT_FOUND: no flag '" + key + "'");
    }

    static FlagEvaluation parseError(String detail) {
        return new FlagEvaluation(400, "Bad Request", "PARSE_ERROR", detail);
    }

    static FlagEvaluation invalidContext(String detail) {
        return new FlagEvaluation(400, "Bad Request", "INVALID_CONTEXT", detail);
    }

    static void checkKey(String key) {
        try {
            FlagValidator.checkKey(key);
        } catch (ProblemException e) {
            throw new FlagEvaluation(400, "Bad Request", "GENERAL", e.getMessage());
        }
    }

    /** The context of a body {"context": {...}}; none (empty) when the body or its context is absent. */
    static Map<String, JsonNode> context(JsonNode body) {
        if (body == null || body.isMissingNode() || body.isNull()) {
            return Map.of();
        }
        if (!body.isObject()) {
            throw parseError("The body must be a JSON object {\"context\": {...}}");
        }
        JsonNode context = body.get("context");
        if (context == null || context.isNull()) {
            return Map.of();
        }
        if (!context.isObject()) {
            throw invalidContext("context must be a JSON object");
        }
        JsonFaults.find("context", context).ifPresent(fault -> {
            throw invalidContext(fault);
        });
        Map<String, JsonNode> attributes = new HashMap<>();
        context.fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue()));
        return attributes;
    }
}
