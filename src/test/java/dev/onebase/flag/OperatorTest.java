package dev.onebase.flag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** Plain unit tests of the condition operators: their JSON names and what each one holds for. */
class OperatorTest {

    static JsonNode text(String s) {
        return TextNode.valueOf(s);
    }

    static JsonNode number(int n) {
        return IntNode.valueOf(n);
    }

    @Test
    void theJsonNamesAreTheDocumentedOnes() {
        assertEquals(List.of("contains", "ends_with", "eq", "exists", "gt", "gte", "in", "lt", "lte", "neq", "not_exists", "not_in",
                "starts_with"), Operator.JSON_NAMES);
        for (Operator op : Operator.values()) {
            assertEquals(Optional.of(op), Operator.fromJson(op.jsonName()));
        }
        assertEquals(Optional.empty(), Operator.fromJson("EQ"));
        assertEquals(Optional.empty(), Operator.fromJson(null));
    }

    @Test
    void equalityComparesNumbersByValueAndTheRestAsText() {
        assertTrue(Operator.EQ.holds(number(1), List.of(DecimalNode.valueOf(new java.math.BigDecimal("1.0")))));
        assertTrue(Operator.EQ.holds(text("DE"), List.of(text("DE"))));
        assertFalse(Operator.EQ.holds(text("DE"), List.of(text("FR"))));
        assertTrue(Operator.IN.holds(text("FR"), List.of(text("DE"), text("FR"))));
        assertFalse(Operator.IN.holds(null, List.of(text("DE"))));
    }

    @Test
    void theNegationsHoldForAMissingAttribute() {
        assertTrue(Operator.NEQ.holds(null, List.of(text("DE"))));
        assertTrue(Operator.NEQ.holds(NullNode.getInstance(), List.of(text("DE"))));
        assertFalse(Operator.NEQ.holds(text("DE"), List.of(text("DE"))));
        assertTrue(Operator.NOT_IN.holds(null, List.of(text("DE"))));
        assertFalse(Operator.NOT_IN.holds(text("DE"), List.of(text("DE"), text("FR"))));
        assertTrue(Operator.NOT_EXISTS.holds(null, List.of()));
        assertFalse(Operator.EXISTS.holds(NullNode.getInstance(), List.of()));
        assertTrue(Operator.EXISTS.holds(text(""), List.of()));
    }

    @Test
    void textOperators() {
        var tags = JsonNodeFactory.instance.arrayNode().add("beta").add("staff");
        assertTrue(Operator.CONTAINS.holds(tags, List.of(text("staff"))));
        assertFalse(Operator.CONTAINS.holds(tags, List.of(text("sta"))));
        assertTrue(Operator.CONTAINS.holds(text("a@example.com"), List.of(text("@example"))));
        assertTrue(Operator.STARTS_WITH.holds(text("a@example.com"), List.of(text("a@"))));
        assertTrue(Operator.ENDS_WITH.holds(text("a@example.com"), List.of(text(".com"))));
        assertFalse(Operator.ENDS_WITH.holds(null, List.of(text(".com"))));
    }

    @Test
    void orderingsCompareNumbersWithNumbersAndTextWithText() {
        assertTrue(Operator.GT.holds(number(10), List.of(number(9))));
        assertFalse(Operator.GT.holds(number(9), List.of(number(9))));
        assertTrue(Operator.GTE.holds(number(9), List.of(number(9))));
        assertTrue(Operator.LT.holds(text("a"), List.of(text("b"))));
        assertTrue(Operator.LTE.holds(text("b"), List.of(text("b"))));
        assertFalse(Operator.LT.holds(number(1), List.of(text("2"))), "a number and a text never compare");
        assertFalse(Operator.GTE.holds(null, List.of(number(1))));
    }
}
