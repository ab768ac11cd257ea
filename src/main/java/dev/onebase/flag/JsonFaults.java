package dev.onebase.flag;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a JSON value from a client may not hold: a number beyond a double's range (Jackson reads {@code 1e999} as
 * Infinity, which it writes back as the string "Infinity"; evaluation compares numbers as decimals, which Infinity is not) or a NUL character (PostgreSQL's jsonb and text
 * refuse it).
 */
final class JsonFaults {

    private JsonFaults() {
    }

    /** The first fault inside {@code node}, described with its path below {@code where}. */
    static Optional<String> find(String where, JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        if (node.isNumber() && !Double.isFinite(node.doubleValue())) {
            return Optional.of(where + ": the number is out of range");
        }
        if (node.isTextual()) {
            return text(where, node.textValue());
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Optional<String> fault = find(where + "[" + i + "]", node.get(i));
                if (fault.isPresent()) {
                    return fault;
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<String> fault = text(where + " (a field name)", e.getKey()).or(() -> find(where + "." + e.getKey(), e.getValue()));
            if (fault.isPresent()) {
                return fault;
            }
        }
        return Optional.empty();
    }

    static Optional<String> text(String where, String text) {
        return text != null && text.indexOf('\0') >= 0 ? Optional.of(where + " must not contain a NUL character") : Optional.empty();
    }
}
