package dev.onebase.deploy;

import static dev.onebase.deploy.Manifests.at;
import static dev.onebase.deploy.Manifests.list;
import static dev.onebase.deploy.Manifests.map;
import static dev.onebase.deploy.Manifests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Renders every overlay with {@code kubectl kustomize} (or {@code kustomize build}) when one is on the PATH, and checks
 * what an overlay could break: it builds (patch paths exist), the API keeps 2+ replicas, the backup instance stays
 * single, and every workload lands in the overlay's namespace with the embedded database off.
 */
class OverlaysBuildTest {

    @Test
    void everyOverlayRendersAndKeepsTheRules() throws Exception {
        List<String> tool = kustomizeCommand();
        Assumptions.assumeTrue(tool != null, "neither kubectl nor kustomize on the PATH");
        List<Path> overlays;
        try (var s = Files.list(Manifests.K8S.resolve("overlays"))) {
            overlays = s.filter(Files::isDirectory).sorted().toList();
        }
        assertFalse(overlays.isEmpty());
        for (Path overlay : overlays) {
            List<Map<String, Object>> docs = render(tool, overlay);
            String ns = str(new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(overlay.resolve("kustomization.yaml"))),
                    "namespace");
            Map<String, Object> config = docs.stream().filter(d -> "ConfigMap".equals(str(d, "kind"))
                    && "onebase-config".equals(str(d, "metadata", "name"))).findFirst().map(d -> map(d.get("data"))).orElseThrow();
            assertEquals("false", String.valueOf(config.get("ONEBASE_EMBEDDED_ENABLED")), overlay + ": embedded database off");
            int api = -1;
            int backup = -1;
            for (Map<String, Object> d : docs) {
                if (!"Deployment".equals(str(d, "kind"))) {
                    continue;
                }
                assertEquals(ns, str(d, "metadata", "namespace"), overlay + ": " + str(d, "metadata", "name") + " namespace");
                String component = str(d, "spec", "template", "metadata", "labels", "app.kubernetes.io/component");
                int replicas = Integer.parseInt(str(d, "spec", "replicas"));
                if ("api".equals(component)) {
                    api = replicas;
                } else if ("backup".equals(component)) {
                    backup = replicas;
                }
                for (Object c : list(d, "spec", "template", "spec", "containers")) {
                    assertFalse(String.valueOf(str(c, "image")).isBlank(), overlay + ": image");
                    assertTrue(list(c, "envFrom").stream().anyMatch(e -> "onebase-config".equals(str(e, "configMapRef", "name"))),
                            overlay + ": the ConfigMap reaches " + str(d, "metadata", "name"));
                }
            }
            assertTrue(api >= 2, overlay + ": API replicas " + api);
            assertEquals(1, backup, overlay + ": one backup instance");
            assertTrue(docs.stream().anyMatch(d -> "Cluster".equals(str(d, "kind"))), overlay + ": a database");
            assertTrue(at(docs.stream().filter(d -> "Ingress".equals(str(d, "kind"))).findFirst().orElseThrow(), "spec", "rules") != null);
            // the monitoring: scraped, alerted on, and the dashboard where Grafana's sidecar finds it
            for (String kind : List.of("PodMonitor", "PrometheusRule")) {
                assertTrue(docs.stream().anyMatch(d -> kind.equals(str(d, "kind")) && ns.equals(str(d, "metadata", "namespace"))),
                        overlay + ": a " + kind + " in " + ns);
            }
            Map<String, Object> dashboard = docs.stream().filter(d -> "ConfigMap".equals(str(d, "kind"))
                    && "onebase-grafana-dashboard".equals(str(d, "metadata", "name"))).findFirst()
                    .orElseThrow(() -> new AssertionError(overlay + ": no Grafana dashboard ConfigMap"));
            assertEquals("1", str(dashboard, "metadata", "labels", "grafana_dashboard"), overlay + ": the sidecar's label");
            assertTrue(String.valueOf(map(dashboard.get("data")).get("onebase-dashboard.json")).contains("\"panels\""), overlay + ": the dashboard");
        }
    }

    private static List<Map<String, Object>> render(List<String> tool, Path overlay) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(tool);
        cmd.add(overlay.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kustomize timed out");
        assertEquals(0, p.exitValue(), overlay + " does not render: " + out);
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object o : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(out)) {
            if (o != null) {
                docs.add(map(o));
            }
        }
        return docs;
    }

    private static List<String> kustomizeCommand() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "kubectl"))) {
                return List.of(Path.of(dir, "kubectl").toString(), "kustomize");
            }
            if (Files.isExecutable(Path.of(dir, "kustomize"))) {
                return List.of(Path.of(dir, "kustomize").toString(), "build");
            }
        }
        return null;
    }
}
