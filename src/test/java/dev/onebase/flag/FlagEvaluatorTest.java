package dev.onebase.flag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.onebase.web.ProblemException;

/** Plain unit tests of the evaluator: rollout distribution and stickiness, reasons, rules. */
class FlagEvaluatorTest {

    static final Map<String, JsonNode> ON_OFF = Map.of("on", BooleanNode.TRUE, "off", BooleanNode.FALSE);

    static Flag rollout(String key, double onPercent) {
        return FlagValidator.validate(key, new Flag(null, null, true, ON_OFF, "off", null, null,
                new Flag.Rollout(null, List.of(new Flag.Split("on", onPercent), new Flag.Split("off", 100 - onPercent)))));
    }

    static Map<String, JsonNode> user(String id) {
        return Map.of("targetingKey", TextNode.valueOf(id));
    }

    @Test
    void thirtyPercentOfTenThousandKeysLandWithinTwentySevenToThirtyThree() {
        Flag flag = rollout("new-checkout", 30);
        int on = 0;
        for (int i = 0; i < 10_000; i++) {
            var e = FlagEvaluator.evaluate(flag, user("user-" + i));
            assertEquals("SPLIT", e.reason());
            on += "on".equals(e.variant()) ? 1 : 0;
        }
        assertTrue(on >= 2700 && on <= 3300, "30% rollout gave " + on + " of 10000");
    }

    @Test
    void theRolloutIsStickyAndGrowsWithoutReshuffling() {
        Flag thirty = rollout("sticky", 30);
        Flag fifty = rollout("sticky", 50);
        for (int i = 0; i < 2000; i++) {
            String first = FlagEvaluator.evaluate(thirty, user("u" + i)).variant();
            assertEquals(first, FlagEvaluator.evaluate(thirty, user("u" + i)).variant(), "same key, same answer");
            assertEquals(first, FlagEvaluator.evaluate(rollout("sticky", 30), user("u" + i)).variant(), "a fresh copy agrees");
            if ("on".equals(first)) {
                assertEquals("on", FlagEvaluator.evaluate(fifty, user("u" + i)).variant(), "raising 30% to 50% keeps u" + i + " on");
            }
        }
        // the bucket is a pure function of flag key and context value: a fixed value pins it down across releases
        assertEquals(FlagEvaluator.bucket("sticky", "u1"), FlagEvaluator.bucket("sticky", "u1"));
        assertTrue(FlagEvaluator.bucket("sticky", "u1") != FlagEvaluator.bucket("other-flag", "u1")
                || FlagEvaluator.bucket("sticky", "u2") != FlagEvaluator.bucket("other-flag", "u2"), "flags are salted by their key");
    }

    @Test
    void reasonsFollowTheOpenFeatureShape() {
        Flag plain = FlagValidator.validate("plain", new Flag(null, null, null, ON_OFF, "on", null, null, null));
        var e = FlagEvaluator.evaluate(plain, Map.of());
        assertEquals("STATIC", e.reason());
        assertEquals(BooleanNode.TRUE, e.value());

        Flag off = FlagValidator.validate("off", new Flag(null, null, false, ON_OFF, "on", "off", null, null));
        assertEquals("DISABLED", FlagEvaluator.evaluate(off, Map.of()).reason());
        assertEquals("off", FlagEvaluator.evaluate(off, Map.of()).variant());

        Flag targeted = FlagValidator.validate("targeted", new Flag(null, null, true, ON_OFF, "off", null, List.of(
                new Flag.Rule(List.of(new Flag.Condition("country", "in", List.of(TextNode.valueOf("DE"), TextNode.valueOf("FR"))),
                        new Flag.Condition("age", "gte", List.of(IntNode.valueOf(18)))), "on", null),
                new Flag.Rule(List.of(new Flag.Condition("email", "ends_with", List.of(TextNode.valueOf("@example.com")))), null,
                        new Flag.Rollout("email", List.of(new Flag.Split("on", 50.0), new Flag.Split("off", 50.0))))), null));
        var match = FlagEvaluator.evaluate(targeted, Map.of("country", TextNode.valueOf("DE"), "age", IntNode.valueOf(30)));
        assertEquals("TARGETING_MATCH", match.reason());
        assertEquals("on", match.variant());
        assertEquals("DEFAULT", FlagEvaluator.evaluate(targeted, Map.of("country", TextNode.valueOf("DE"), "age", IntNode.valueOf(17))).reason());
        assertEquals("DEFAULT", FlagEvaluator.evaluate(targeted, Map.of()).reason());
        assertEquals("SPLIT", FlagEvaluator.evaluate(targeted, Map.of("email", TextNode.valueOf("a@example.com"))).reason());

        var error = FlagEvaluator.evaluate(rollout("needs-key", 30), Map.of());
        assertEquals("ERROR", error.reason());
        assertEquals("TARGETING_KEY_MISSING", error.errorCode());
        assertEquals(BooleanNode.FALSE, error.value());
        assertNull(FlagEvaluator.evaluate(plain, Map.of()).errorCode());
    }

    @Test
    void invalidDefinitionsAreRefused() {
        assertThrows(ProblemException.class, () -> FlagValidator.validate("k", new Flag(null, null, true, Map.of(), "on", null, null, null)));
        assertThrows(ProblemException.class, () -> FlagValidator.validate("k", new Flag(null, null, true, ON_OFF, "maybe", null, null, null)));
        assertThrows(ProblemException.class, () -> rollout("k", 120));
        assertThrows(ProblemException.class, () -> FlagValidator.validate("bad key", new Flag(null, null, true, ON_OFF, "on", null, null, null)));
    }
}
