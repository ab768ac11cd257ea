package dev.onebase.flag;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The operator of a targeting condition, named in the flag's JSON as {@link #jsonName()}. Numbers compare as numbers,
 * everything else as text.
 */
enum Operator {
    EQ("eq", Operands.ONE),
    NEQ("neq", Operands.ONE),
    IN("in", Operands.LIST),
    NOT_IN("not_in", Operands.LIST),
    CONTAINS("contains", Operands.ONE),
    STARTS_WITH("starts_with", Operands.ONE),
    ENDS_WITH("ends_with", Operands.ONE),
    GT("gt", Operands.ONE),
    GTE("gte", Operands.ONE),
    LT("lt", Operands.ONE),
    LTE("lte", Operands.ONE),
    EXISTS("exists", Operands.NONE),
    NOT_EXISTS("not_exists", Operands.NONE);

    /** How many values a condition with the operator takes. */
    enum Operands {
        NONE(0, 0, "takes no values"),
        ONE(1, 1, "takes one value"),
        LIST(1, 1000, "takes 1-1000 values");

        private final int min;
        private final int max;
        private final String rule;

        Operands(int min, int max, String rule) {
            this.min = min;
            this.max = max;
            this.rule = rule;
        }

        boolean allows(int count) {
            return count >= min && count <= max;
        }

        String rule() {
            return rule;
        }
    }

    /** The JSON names in alphabetical order, as the validation problem lists them. */
    static final List<String> JSON_NAMES = Arrays.stream(values()).map(Operator::jsonName).sorted().toList();

    private static final Map<String, Operator> BY_JSON_NAME = Arrays.stream(values())
            .collect(Collectors.toMap(Operator::jsonName, Function.identity()));

    private final String jsonName;
    private final Operands operands;

    Operator(String jsonName, Operands operands) {
        this.jsonName = jsonName;
        this.operands = operands;
    }

    String jsonName() {
        return jsonName;
    }

    Operands operands() {
        return operands;
    }

    static Optional<Operator> fromJson(String name) {
        return Optional.ofNullable(name == null ? null : BY_JSON_NAME.get(name));
    }

    /**
     * Whether the context's value (null when the context lacks the attribute) satisfies the operator. The negations
     * hold for a missing attribute; every other operator needs one.
     */
    boolean holds(JsonNode actual, List<JsonNode> values) {
        boolean present = actual != null && !actual.isNull();
        return switch (this) {
            case EXISTS -> present;
            case NOT_EXISTS -> !present;
            case NEQ -> !present || !same(actual, values.get(0));
            case NOT_IN -> !present || values.stream().noneMatch(v -> same(actual, v));
            case EQ -> present && same(actual, values.get(0));
            case IN -> present && values.stream().anyMatch(v -> same(actual, v));
            case CONTAINS -> present && (actual.isArray() ? contains(actual, values.get(0))
                    : actual.asText().contains(values.get(0).asText()));
            case STARTS_WITH -> present && actual.asText().startsWith(values.get(0).asText());
            case ENDS_WITH -> present && actual.asText().endsWith(values.get(0).asText());
            case GT -> present && compares(actual, values.get(0), cmp -> cmp > 0);
            case GTE -> present && compares(actual, values.get(0), cmp -> cmp >= 0);
            case LT -> present && compares(actual, values.get(0), cmp -> cmp < 0);
            case LTE -> present && compares(actual, values.get(0), cmp -> cmp <= 0);
        };
    }

    private static boolean contains(JsonNode array, JsonNode value) {
        for (JsonNode n : array) {
            if (same(n, value)) {
                return true;
            }
        }
        return false;
    }

    /** Numbers compare by value (1 equals 1.0); everything else by its text (so "DE" equals "DE"). */
    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isContainerNode() || b.isContainerNode()) {
            return a.equals(b);
        }
        return a.asText().equals(b.asText());
    }

    /** Two numbers or two texts, ordered; any other pair never satisfies an ordering. */
    private static boolean compares(JsonNode a, JsonNode b, IntPredicate test) {
        if (a.isNumber() && b.isNumber()) {
            return test.test(a.decimalValue().compareTo(b.decimalValue()));
        }
        if (a.isTextual() && b.isTextual()) {
            return test.test(a.asText().compareTo(b.asText()));
        }
        return false;
    }
}
