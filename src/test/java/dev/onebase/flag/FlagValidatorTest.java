package dev.onebase.flag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.onebase.web.ProblemException;

/** Plain unit tests of what a flag definition may contain: the status and the detail of every refusal. */
class FlagValidatorTest {

    static final Map<String, JsonNode> ON_OFF = Map.of("on", BooleanNode.TRUE, "off", BooleanNode.FALSE);

    static Flag withCondition(Flag.Condition condition) {
        return new Flag(null, null, true, ON_OFF, "off", null, List.of(new Flag.Rule(List.of(condition), "on", null)), null);
    }

    static Flag withRollout(Flag.Rollout rollout) {
        return new Flag(null, null, true, ON_OFF, "off", null, null, rollout);
    }

    static void refused(int status, String detail, Flag flag) {
        refused(status, detail, "k", flag);
    }

    static void refused(int status, String detail, String key, Flag flag) {
        ProblemException e = assertThrows(ProblemException.class, () -> FlagValidator.validate(key, flag));
        assertEquals(status, e.status());
        assertEquals(detail, e.getMessage());
    }

    @Test
    void fillsWhatWasLeftOut() {
        Flag f = FlagValidator.validate("k", new Flag(null, null, null, ON_OFF, "on", null, null, null));
        assertEquals("k", f.key());
        assertEquals("", f.description());
        assertEquals(true, f.enabled());
        assertEquals("on", f.offVariant());
        assertEquals(List.of(), f.rules());
    }

    @Test
    void refusesABadKeyOrBody() {
        refused(400, "A JSON body is required", null);
        refused(400, "The flag key must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':', '-'", "bad key",
                new Flag(null, null, true, ON_OFF, "on", null, null, null));
        refused(400, "The key in the body differs from the key in the path", new Flag("other", null, true, ON_OFF, "on", null, null, null));
    }

    @Test
    void refusesBadVariants() {
        refused(422, "variants must name 1-100 variants", new Flag(null, null, true, Map.of(), "on", null, null, null));
        refused(422, "Variant names must be 1-100 characters and every variant needs a value",
                new Flag(null, null, true, Map.of("", BooleanNode.TRUE), "", null, null, null));
        refused(422, "defaultVariant must name one of the variants", new Flag(null, null, true, ON_OFF, "maybe", null, null, null));
        refused(422, "offVariant must name one of the variants", new Flag(null, null, true, ON_OFF, "on", "maybe", null, null));
        refused(422, "description is limited to 1000 characters", new Flag(null, "x".repeat(1001), true, ON_OFF, "on", null, null, null));
    }

    @Test
    void refusesBadRules() {
        refused(422, "rules[0] needs exactly one of variant or rollout",
                new Flag(null, null, true, ON_OFF, "off", null, List.of(new Flag.Rule(null, null, null)), null));
        refused(422, "rules[0].variant must name one of the variants",
                new Flag(null, null, true, ON_OFF, "off", null, List.of(new Flag.Rule(null, "maybe", null)), null));
        refused(422, "rules[0].rollout.variants must be a non-empty list",
                new Flag(null, null, true, ON_OFF, "off", null, List.of(new Flag.Rule(null, null, new Flag.Rollout(null, List.of()))), null));
    }

    @Test
    void refusesBadConditions() {
        refused(422, "rules[0].conditions[0] needs attribute and operator", withCondition(new Flag.Condition("a", null, null)));
        refused(422, "rules[0].conditions[0].operator must be one of [contains, ends_with, eq, exists, gt, gte, in, lt, lte, neq, "
                + "not_exists, not_in, starts_with]", withCondition(new Flag.Condition("a", "like", List.of(TextNode.valueOf("x")))));
        refused(422, "rules[0].conditions[0].values: eq takes one value", withCondition(new Flag.Condition("a", "eq", List.of())));
        refused(422, "rules[0].conditions[0].values: exists takes no values",
                withCondition(new Flag.Condition("a", "exists", List.of(TextNode.valueOf("x")))));
        refused(422, "rules[0].conditions[0].values: not_in takes 1-1000 values", withCondition(new Flag.Condition("a", "not_in", null)));
        refused(422, "rules[0].conditions[0].values must not contain null",
                withCondition(new Flag.Condition("a", "in", List.of(NullNode.getInstance()))));
    }

    @Test
    void refusesBadRollouts() {
        refused(422, "rollout.variants must name distinct variants of the flag",
                withRollout(new Flag.Rollout(null, List.of(new Flag.Split("on", 50.0), new Flag.Split("on", 50.0)))));
        refused(422, "rollout: every weight must be between 0 and 100", withRollout(new Flag.Rollout(null, List.of(new Flag.Split("on", 120.0)))));
        refused(422, "rollout: the weights must add up to 100, not 120.0",
                withRollout(new Flag.Rollout(null, List.of(new Flag.Split("on", 60.0), new Flag.Split("off", 60.0)))));
        refused(422, "rollout.by must name a context attribute", withRollout(new Flag.Rollout("", List.of(new Flag.Split("on", 100.0)))));
    }

    @Test
    void acceptsEveryOperatorWithItsValues() {
        for (Operator op : Operator.values()) {
            List<JsonNode> values = switch (op.operands()) {
                case NONE -> null;
                case ONE -> List.of(TextNode.valueOf("x"));
                case LIST -> List.of(TextNode.valueOf("x"), TextNode.valueOf("y"));
            };
            Flag f = FlagValidator.validate("k", withCondition(new Flag.Condition("a", op.jsonName(), values)));
            assertTrue(f.enabled(), op.jsonName());
        }
    }
}
