package dev.onebase.flag;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.onebase.web.ProblemException;

/** What a flag definition may contain: it refuses one that could not be evaluated. Pure: no I/O. */
public final class FlagValidator {

    private FlagValidator() {
    }

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    /** The definition as it is stored: offVariant, enabled and description filled in when left out. */
    public static Flag validate(String key, Flag f) {
        checkKey(key);
        if (f == null) {
            throw ProblemException.badRequest("A JSON body is required");
        }
        if (f.key() != null && !f.key().equals(key)) {
            throw ProblemException.badRequest("The key in the body differs from the key in the path");
        }
        if (f.variants() == null || f.variants().isEmpty() || f.variants().size() > 100) {
            throw ProblemException.unprocessable("variants must name 1-100 variants");
        }
        for (var e : f.variants().entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > 100 || e.getValue() == null || e.getValue().isNull()) {
                throw ProblemException.unprocessable("Variant names must be 1-100 characters and every variant needs a value");
            }
            refuse(JsonFaults.text("variants (a variant name)", e.getKey()).or(() -> JsonFaults.find("variants." + e.getKey(), e.getValue())));
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
        refuse(JsonFaults.text("description", f.description()));
        List<Flag.Rule> rules = f.rules() == null ? List.of() : f.rules();
        if (rules.size() > 100) {
            throw ProblemException.unprocessable("At most 100 rules");
        }
        for (int i = 0; i < rules.size(); i++) {
            checkRule("rules[" + i + "]", rules.get(i), f.variants().keySet());
        }
        if (f.rollout() != null) {
            checkRollout("rollout", f.rollout(), f.variants().keySet());
        }
        return new Flag(key, f.description() == null ? "" : f.description(), f.enabled() == null || f.enabled(), f.variants(),
                f.defaultVariant(), off, rules, f.rollout());
    }

    /** A key every route checks before it reaches the database: a malformed one is a 400, never a failed query. */
    public static void checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw ProblemException.badRequest("The flag key must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':', '-'");
        }
    }

    private static void refuse(Optional<String> fault) {
        fault.ifPresent(f -> {
            throw ProblemException.unprocessable(f);
        });
    }

    private static void checkRule(String where, Flag.Rule r, Set<String> variants) {
        if (r == null) {
            throw ProblemException.unprocessable(where + " must be an object");
        }
        if ((r.variant() == null) == (r.rollout() == null)) {
            throw ProblemException.unprocessable(where + " needs exactly one of variant or rollout");
        }
        if (r.variant() != null && !variants.contains(r.variant())) {
            throw ProblemException.unprocessable(where + ".variant must name one of the variants");
        }
        if (r.rollout() != null) {
            checkRollout(where + ".rollout", r.rollout(), variants);
        }
        List<Flag.Condition> conditions = r.conditions() == null ? List.of() : r.conditions();
        for (int j = 0; j < conditions.size(); j++) {
            checkCondition(where + ".conditions[" + j + "]", conditions.get(j));
        }
    }

    private static void checkCondition(String where, Flag.Condition c) {
        if (c == null || c.attribute() == null || c.attribute().isEmpty() || c.operator() == null) {
            throw ProblemException.unprocessable(where + " needs attribute and operator");
        }
        Operator op = Operator.fromJson(c.operator())
                .orElseThrow(() -> ProblemException.unprocessable(where + ".operator must be one of " + Operator.JSON_NAMES));
        int count = c.values() == null ? 0 : c.values().size();
        if (!op.operands().allows(count)) {
            throw ProblemException.unprocessable(where + ".values: " + op.jsonName() + " " + op.operands().rule());
        }
        if (c.values() != null && c.values().stream().anyMatch(v -> v == null || v.isNull())) {
            throw ProblemException.unprocessable(where + ".values must not contain null");
        }
        refuse(JsonFaults.text(where + ".attribute", c.attribute()));
        for (int i = 0; c.values() != null && i < c.values().size(); i++) {
            refuse(JsonFaults.find(where + ".values[" + i + "]", c.values().get(i)));
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
            if (s.weight() == null || !(s.weight() >= 0 && s.weight() <= 100)) {
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
        refuse(JsonFaults.text(where + ".by", r.by()));
    }
}
