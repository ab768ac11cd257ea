package dev.onebase.flag;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.auth.ApiKeys;
import dev.onebase.web.ProblemException;

/** Flag evaluation in the OpenFeature shape, and the validation of a flag definition. Pure: no I/O. */
public final class FlagEvaluator {

    public static final String TARGETING_KEY = "targetingKey";
    static final int BUCKETS = 10_000;
    static final Set<String> OPERATORS = Set.of("eq", "neq", "in", "not_in", "contains", "starts_with", "ends_with", "gt", "gte",
            "lt", "lte", "exists", "not_exists");

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Evaluation(String key, JsonNode value, String variant, String reason, String errorCode, String errorMessage) {
    }

    private FlagEvaluator() {
    }

    public static Evaluation evaluate(Flag flag, Map<String, JsonNode> context) {
        if (!Boolean.TRUE.equals(flag.enabled())) {
            return served(flag, flag.offVariant(), "DISABLED");
        }
        boolean hasRules = flag.rules() != null && !flag.rules().isEmpty();
        if (hasRules) {
            for (Flag.Rule rule : flag.rules()) {
                if (matches(rule.conditions(), context)) {
                    if (rule.rollout() != null) {
                        return split(flag, rule.rollout(), context);
                    }
                    return served(flag, rule.variant(), "TARGETING_MATCH");
                }
            }
        }
        if (flag.rollout() != null) {
            return split(flag, flag.rollout(), context);
        }
        return served(flag, flag.defaultVariant(), hasRules ? "DEFAULT" : "STATIC");
    }

    private static Evaluation split(Flag flag, Flag.Rollout rollout, Map<String, JsonNode> context) {
        String by = rollout.by() == null ? TARGETING_KEY : rollout.by();
        JsonNode stickOn = context.get(by);
        if (stickOn == null || stickOn.isNull() || stickOn.isContainerNode()) {
            return new Evaluation(flag.key(), flag.variants().get(flag.defaultVariant()), flag.defaultVariant(), "ERROR",
                    TARGETING_KEY.equals(by) ? "TARGETING_KEY_MISSING" : "INVALID_CONTEXT",
                    "The rollout needs '" + by + "' in the context");
        }
        return served(flag, pick(flag.key(), stickOn.asText(), rollout.variants()), "SPLIT");
    }

    /** The variant a stable hash of (flag key, context value) lands on: cumulative weights over 10,000 buckets. */
    static String pick(String flagKey, String stickyValue, List<Flag.Split> splits) {
        int bucket = bucket(flagKey, stickyValue);
        double edge = 0;
        for (Flag.Split s : splits) {
            edge += s.weight() * BUCKETS / 100.0;
            if (bucket < Math.round(edge)) {
                return s.variant();
            }
        }
        return splits.get(splits.size() - 1).variant();
    }

    /** SHA-256 of "flagKey/value", first 8 bytes as an unsigned number, modulo 10,000: the same on every replica. */
    static int bucket(String flagKey, String value) {
        byte[] digest = ApiKeys.sha256((flagKey + "/" + value).getBytes(StandardCharsets.UTF_8));
        long n = ByteBuffer.wrap(digest, 0, 8).getLong();
        return (int) Long.remainderUnsigned(n, BUCKETS);
    }

    private static Evaluation served(Flag flag, String variant, String reason) {
        return new Evaluation(flag.key(), flag.variants().get(variant), variant, reason, null, null);
    }

    static boolean matches(List<Flag.Condition> conditions, Map<String, JsonNode> context) {
        if (conditions == null) {
            return true;
        }
        for (Flag.Condition c : conditions) {
            if (!holds(c, context.get(c.attribute()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(Flag.Condition c, JsonNode actual) {
        boolean present = actual != null && !actual.isNull();
        List<JsonNode> values = c.values() == null ? List.of() : c.values();
        switch (c.operator()) {
            case "exists":
                return present;
            case "not_exists":
                return !present;
            case "neq":
                return !present || !same(actual, values.get(0));
            case "not_in":
                return !present || values.stream().noneMatch(v -> same(actual, v));
            default:
                break;
        }
        if (!present) {
            return false;
        }
        return switch (c.operator()) {
            case "eq" -> same(actual, values.get(0));
            case "in" -> values.stream().anyMatch(v -> same(actual, v));
            case "contains" -> actual.isArray() ? contains(actual, values.get(0)) : actual.asText().contains(values.get(0).asText());
            case "starts_with" -> actual.asText().startsWith(values.get(0).asText());
            case "ends_with" -> actual.asText().endsWith(values.get(0).asText());
            case "gt", "gte", "lt", "lte" -> compare(c.operator(), actual, values.get(0));
            default -> false;
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

    private static boolean compare(String op, JsonNode a, JsonNode b) {
        int cmp;
        if (a.isNumber() && b.isNumber()) {
            cmp = a.decimalValue().compareTo(b.decimalValue());
        } else if (a.isTextual() && b.isTextual()) {
            cmp = a.asText().compareTo(b.asText());
        } else {
            return false;
        }
        return switch (op) {
            case "gt" -> cmp > 0;
            case "gte" -> cmp >= 0;
            case "lt" -> cmp < 0;
            default -> cmp <= 0;
        };
    }

    /** Refuses a definition that could not be evaluated; fills offVariant and enabled when left out. */
    public static Flag validate(String key, Flag f) {
        if (f == null) {
            throw ProblemException.badRequest("A JSON body is required");
        }
        if (!key.matches("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")) {
            throw ProblemException.badRequest("The flag key must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':', '-'");
        }
        if (f.key() != null && !f.key().equals(key)) {
            throw ProblemException.badRequest("The key in the body differs from the key in the path");
        }
        if (f.variants() == null || f.variants().isEmpty() || f.variants().size() > 100) {
            throw ProblemException.unprocessable("variants must name 1-100 variants");
        }
        for (var e : f.variants().entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > 100 || e.getValue() == null) {
                throw ProblemException.unprocessable("Variant names must be 1-100 characters and every variant needs a value");
            }
        }
        if (f.defaultVariant() == null || !f.variants().containsKey(f.defaultVariant())) {
            throw ProblemException.unprocessable("defaultVariant must name one of the variants");
        }
        String off = f.offVariant() == null ? f.defaultVariant() : f.offVariant();
        if (!f.variants().containsKey(off)) {
            throw ProblemException.unprocessable("offVariant must name one of the variants");
        }
        if (f.description() != null && f.description().length() > 1000) {
            throw ProblemException.unprocessable("description is limited to 1000 characters");
        }
        List<Flag.Rule> rules = f.rules() == null ? List.of() : f.rules();
        if (rules.size() > 100) {
            throw ProblemException.unprocessable("At most 100 rules");
        }
        for (int i = 0; i < rules.size(); i++) {
            Flag.Rule r = rules.get(i);
            String where = "rules[" + i + "]";
            if (r == null) {
                throw ProblemException.unprocessable(where + " must be an object");
            }
            if ((r.variant() == null) == (r.rollout() == null)) {
                throw ProblemException.unprocessable(where + " needs exactly one of variant or rollout");
            }
            if (r.variant() != null && !f.variants().containsKey(r.variant())) {
                throw ProblemException.unprocessable(where + ".variant must name one of the variants");
            }
            if (r.rollout() != null) {
                checkRollout(where + ".rollout", r.rollout(), f.variants().keySet());
            }
            List<Flag.Condition> conditions = r.conditions() == null ? List.of() : r.conditions();
            for (int j = 0; j < conditions.size(); j++) {
                checkCondition(where + ".conditions[" + j + "]", conditions.get(j));
            }
        }
        if (f.rollout() != null) {
            checkRollout("rollout", f.rollout(), f.variants().keySet());
        }
        return new Flag(key, f.description() == null ? "" : f.description(), f.enabled() == null || f.enabled(), f.variants(),
                f.defaultVariant(), off, rules, f.rollout());
    }

    private static void checkCondition(String where, Flag.Condition c) {
        if (c == null || c.attribute() == null || c.attribute().isEmpty() || c.operator() == null) {
            throw ProblemException.unprocessable(where + " needs attribute and operator");
        }
        if (!OPERATORS.contains(c.operator())) {
            throw ProblemException.unprocessable(where + ".operator must be one of " + new java.util.TreeSet<>(OPERATORS));
        }
        int n = c.values() == null ? 0 : c.values().size();
        boolean ok = switch (c.operator()) {
            case "exists", "not_exists" -> n == 0;
            case "in", "not_in" -> n >= 1 && n <= 1000;
            default -> n == 1;
        };
        if (!ok) {
            throw ProblemException.unprocessable(where + ".values: " + c.operator()
                    + (c.operator().endsWith("exists") ? " takes no values" : c.operator().endsWith("in") ? " takes 1-1000 values" : " takes one value"));
        }
        if (c.values() != null && c.values().stream().anyMatch(v -> v == null || v.isNull())) {
            throw ProblemException.unprocessable(where + ".values must not contain null");
        }
    }

    private static void checkRollout(String where, Flag.Rollout r, Set<String> variants) {
        if (r.variants() == null || r.variants().isEmpty()) {
            throw ProblemException.unprocessable(where + ".variants must be a non-empty list");
        }
        double sum = 0;
        Set<String> seen = new HashSet<>();
        for (Flag.Split s : r.variants()) {
            if (s == null || s.variant() == null || !variants.contains(s.variant()) || !seen.add(s.variant())) {
                throw ProblemException.unprocessable(where + ".variants must name distinct variants of the flag");
            }
            if (s.weight() == null || s.weight() < 0 || s.weight() > 100) {
                throw ProblemException.unprocessable(where + ": every weight must be between 0 and 100");
            }
            sum += s.weight();
        }
        if (Math.abs(sum - 100) > 1e-6) {
            throw ProblemException.unprocessable(where + ": the weights must add up to 100, not " + sum);
        }
        if (r.by() != null && r.by().isEmpty()) {
            throw ProblemException.unprocessable(where + ".by must name a context attribute");
        }
    }
}
