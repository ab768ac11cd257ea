package dev.onebase.deploy;

import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.onebase.deploy.Manifests.Doc;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Grafana dashboard and the alert rules against the live service: every metric their PromQL names exists in
 * /q/metrics (after the features that create meters lazily have run), so a renamed metric breaks this test instead of
 * silently emptying a panel or muting an alert.
 */
@QuarkusTest
class MonitoringAgainstTheServiceTest {

    static final Path DASHBOARD = Manifests.K8S.resolve("monitoring/onebase-dashboard.json");

    @Test
    void everyMetricTheDashboardAndTheAlertsNameIsServed() throws IOException {
        exercise();
        Set<String> served = PromText.scrape().names();
        Map<String, String> used = new TreeMap<>();
        expressions().forEach((where, expr) -> metricNames(expr).forEach(name -> used.putIfAbsent(name, where)));
        assertTrue(used.size() >= 15, "too few metrics found in the expressions, is the parser broken? " + used.keySet());
        Map<String, String> missing = new TreeMap<>();
        used.forEach((name, where) -> {
            if (!served.contains(name)) {
                missing.put(name, where);
            }
        });
        assertEquals(Map.of(), missing, "metrics named by the dashboard or the alerts that /q/metrics does not serve");
    }

    @Test
    void theParserFindsMetricsAndNothingElse() {
        assertEquals(Set.of("http_server_requests_seconds_bucket"), metricNames(
                "histogram_quantile(0.99, sum by (le, uri) (rate(http_server_requests_seconds_bucket{uri!~\"/api/v1/files.*\",le=\"1\"}[$__rate_interval]))) > 1e3"));
        assertEquals(Set.of("a_total", "b_total"), metricNames("sum(rate(a_total[5m])) / on (pod) group_left clamp_min(sum without (x) (b_total), 0.001) > 26 * 3600"));
        assertEquals(Set.of("onebase_db_pool_pending"), metricNames("label_values(onebase_db_pool_pending, namespace)"));
    }

    /** Makes the meters that appear only once used exist: HTTP traffic of every kind, cache reads, uploads, refusals. */
    private static void exercise() {
        Tenant t = TestApi.signup();
        as(t).contentType("text/plain").body("v").put("/api/v1/cache/monitoring").then().statusCode(204);
        as(t).get("/api/v1/cache/monitoring").then().statusCode(200);
        as(t).get("/api/v1/cache/monitoring-missing").then().statusCode(404);
        String id = as(t).contentType("text/plain").body("a file").put("/api/v1/files/monitoring/a.txt").then().statusCode(201)
                .extract().path("id");
        as(t).get("/api/v1/files/" + id + "/content").then().statusCode(200);
        given().get("/api/v1/cache/monitoring").then().statusCode(401);
        given().header("Authorization", "Bearer wrong").get("/admin/tenants").then().statusCode(401);
    }

    /** Every PromQL expression of the dashboard (targets and variable queries) and of the PrometheusRule, by where it is. */
    static Map<String, String> expressions() throws IOException {
        Map<String, String> out = new TreeMap<>();
        JsonNode dash = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        for (JsonNode panel : dash.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.put("dashboard panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(), target.path("expr").asText());
            }
        }
        for (JsonNode v : dash.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                out.put("dashboard variable " + v.path("name").asText(), v.path("query").asText());
            }
        }
        assertFalse(out.isEmpty(), DASHBOARD + " has no expressions");
        List<Doc> rules = Manifests.load().kind("PrometheusRule");
        assertFalse(rules.isEmpty(), "no PrometheusRule under k8s/");
        for (Doc rule : rules) {
            for (Object group : Manifests.list(rule.body(), "spec", "groups")) {
                for (Object r : Manifests.list(group, "rules")) {
                    out.put(rule + " " + Manifests.str(r, "alert"), Manifests.str(r, "expr"));
                }
            }
        }
        return out;
    }

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
            "or", "unless", "offset", "inf", "nan",
            // aggregation operators, which may be followed by their by/without clause rather than a parenthesis
            "sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** The metric names a PromQL expression selects: identifiers that are not functions, keywords, labels or numbers. */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher lv = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,").matcher(expr);
        if (lv.find()) {
            names.add(lv.group(1));
            return names;
        }
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")   // strings: label values, regexes
                .replaceAll("\\{[^}]*}", " ")                               // label matchers
                .replaceAll("\\[[^]]*]", " ")                               // ranges
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " $1 ") // label lists
                .replaceAll("\\$\\w+", " ")                                 // Grafana variables
                .replaceAll("(?<![a-zA-Z_:])\\d+(\\.\\d+)?([eE][+-]?\\d+)?", " "); // numbers
        Matcher m = IDENT.matcher(s);
        List<String> tokens = new ArrayList<>();
        while (m.find()) {
            String tok = m.group();
            String rest = s.substring(m.end()).stripLeading();
            if (rest.startsWith("(") || KEYWORDS.contains(tok.toLowerCase())) {
                continue;
            }
            tokens.add(tok);
        }
        names.addAll(tokens);
        return names;
    }
}
