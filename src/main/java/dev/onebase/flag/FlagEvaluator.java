package dev.onebase.flag;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.auth.ApiKeys;

/** Flag evaluation in the OpenFeature shape, of a flag {@link FlagValidator} accepted. Pure: no I/O. */
public final class FlagEvaluator {

    public static final String TARGETING_KEY = "targetingKey";
    static final int BUCKETS = 10_000;

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

    /** A stored flag was validated, so an unknown operator is only possible in a row written behind the service's back. */
    private static boolean holds(Flag.Condition c, JsonNode actual) {
        List<JsonNode> values = c.values() == null ? List.of() : c.values();
        return Operator.fromJson(c.operator()).map(op -> op.holds(actual, values)).orElse(false);
    }
}
