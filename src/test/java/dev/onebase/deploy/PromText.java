package dev.onebase.deploy;

import static io.restassured.RestAssured.given;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Prometheus text of /q/metrics, parsed into samples (name, labels as written, value). */
final class PromText {

    record Sample(String name, String labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})?\\s+(\\S+)(\\s+\\S+)?$");

    private final String text;
    final List<Sample> samples = new ArrayList<>();

    PromText(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line.trim());
            if (m.matches()) {
                samples.add(new Sample(m.group(1), m.group(2) == null ? "" : m.group(2), parse(m.group(3))));
            }
        }
    }

    static PromText scrape() {
        return new PromText(given().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString());
    }

    private static double parse(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }

    String text() {
        return text;
    }

    Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    /** The value of the sample with exactly these labels (as written, braces included); NaN when there is none. */
    double value(String name, String labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).mapToDouble(Sample::value)
                .findFirst().orElse(Double.NaN);
    }


    /** Whether a sample of {@code name} has all these labels (each written as {@code key="value"}). */
    boolean has(String name, String... labels) {
        return samples.stream().anyMatch(s -> s.name().equals(name) && containsAll(s.labels(), labels));
    }

    /** The sum of the samples of {@code name} that have all these labels. */
    double sum(String name, String... labels) {
        return samples.stream().filter(s -> s.name().equals(name) && containsAll(s.labels(), labels)).mapToDouble(Sample::value).sum();
    }

    private static boolean containsAll(String written, String[] labels) {
        for (String l : labels) {
            if (!written.contains("{" + l + ",") && !written.contains("," + l + ",") && !written.contains("{" + l + "}")
                    && !written.contains("," + l + "}")) {
                return false;
            }
        }
        return true;
    }

    Set<String> labelValues(String name, String label) {
        Set<String> values = new TreeSet<>();
        Pattern p = Pattern.compile("[{,]" + Pattern.quote(label) + "=\"((?:[^\"\\\\]|\\\\.)*)\"");
        for (Sample s : samples) {
            if (s.name().equals(name)) {
                Matcher m = p.matcher(s.labels());
                if (m.find()) {
                    values.add(m.group(1));
                }
            }
        }
        return values;
    }
}
