package dev.onebase.flag;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A feature flag. When enabled: the first rule whose conditions all hold serves its variant (TARGETING_MATCH) or
 * its rollout (SPLIT); otherwise the flag's rollout (SPLIT), otherwise defaultVariant (DEFAULT, or STATIC when the
 * flag has no rules and no rollout). When disabled: offVariant (DISABLED).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Flag(String key, String description, Boolean enabled, Map<String, JsonNode> variants, String defaultVariant,
        String offVariant, List<Rule> rules, Rollout rollout) {

    /** All conditions must hold; then the variant, or the rollout, is served. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rule(List<Condition> conditions, String variant, Rollout rollout) {
    }

    /**
     * attribute of the evaluation context; operator the JSON name of an {@link Operator} (eq, in, exists…); values the
     * operands (one for the comparisons, none for exists).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Condition(String attribute, String operator, List<JsonNode> values) {
    }

    /** A sticky split on a context attribute (targetingKey unless given): weights in percent, summing to 100. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rollout(String by, List<Split> variants) {
    }

    public record Split(String variant, Double weight) {
    }
}
