package dev.onebase.deploy;

import static dev.onebase.deploy.Manifests.at;
import static dev.onebase.deploy.Manifests.list;
import static dev.onebase.deploy.Manifests.map;
import static dev.onebase.deploy.Manifests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.onebase.deploy.Manifests.Container;
import dev.onebase.deploy.Manifests.Doc;
import dev.onebase.testsupport.ProjectFiles;

/**
 * Parses every manifest under {@code k8s/} and checks it against what the application really reads (see
 * {@link ConfigSurface}): environment variable names, ports, probe paths, and the rules that make several replicas
 * correct (one backup instance, every job scheduled on exactly one workload). {@link ManifestsAgainstTheServiceTest}
 * checks the paths and limits against the running service.
 */
class ManifestTest {

    static Manifests k8s;
    static ConfigSurface app;

    @BeforeAll
    static void load() {
        k8s = Manifests.load();
        app = ConfigSurface.load();
    }

    @Test
    void everyManifestParsesAndEveryKustomizationNamesFilesThatExist() {
        assertFalse(k8s.base("Deployment").isEmpty(), "k8s/base has no Deployment");
        for (Doc d : k8s.docs) {
            assertNotNull(d.kind(), d.file() + ": a document without kind");
            if (!d.kind().equals("Kustomization")) {
                assertNotNull(d.name(), d + ": no metadata.name");
            }
        }
        for (Doc kz : k8s.kind("Kustomization")) {
            Path dir = kz.file().getParent();
            for (Object r : list(kz.body(), "resources")) {
                Path p = dir.resolve(String.valueOf(r)).normalize();
                assertTrue(Files.isRegularFile(p) || Files.isRegularFile(p.resolve("kustomization.yaml")),
                        kz + " lists " + r + ", which does not exist");
            }
            for (Object patch : list(kz.body(), "patches")) {
                String path = str(patch, "path");
                assertTrue(path == null || Files.isRegularFile(dir.resolve(path)), kz + " patches with missing " + path);
            }
        }
    }

    @Test
    void everyEnvironmentVariableIsOneTheServiceReads() {
        Map<String, String> unknown = new TreeMap<>();
        Set<String> pending = new TreeSet<>();
        for (String env : manifestEnvNames()) {
            if (app.reads(env)) {
                continue;
            }
            if (!app.hasFeatureOf(env) || (env.startsWith("ONEBASE_JOBS_") && !jobFeatureHere(env))) {
                pending.add(env);
            } else {
                unknown.put(env, "no property, ${...} expression, getenv or documented variable of that name");
            }
        }
        if (!pending.isEmpty()) {
            // names for features that are not in this tree yet: they are checked once the feature's code is here
            System.out.println("[ManifestTest] not checkable yet (feature not in src/main/java): " + pending);
        }
        assertTrue(unknown.isEmpty(), "the manifests set variables the service does not read: " + unknown);
    }

    @Test
    void theDatabaseIsExternalAndTheEmbeddedOneOff() {
        for (Container c : k8s.containers()) {
            assertEquals("false", c.env().get("ONEBASE_EMBEDDED_ENABLED"), c.workload() + ": the embedded database must be off");
            String url = c.env().get("DATABASE_URL");
            assertNotNull(url, c.workload() + ": no DATABASE_URL");
            assertTrue(url.startsWith("ref:") && url.contains("secretKeyRef"), c.workload() + ": DATABASE_URL must come from a Secret");
            for (Map.Entry<String, String> e : c.env().entrySet()) {
                if (e.getKey().matches(".*(PASSWORD|TOKEN|DATABASE_URL).*")) {
                    assertTrue(e.getValue().startsWith("ref:"), c.workload() + ": " + e.getKey() + " must come from a Secret");
                }
            }
        }
        for (Doc secret : k8s.base("Secret")) {
            map(at(secret.body(), "stringData")).forEach((k, v) -> assertEquals("", String.valueOf(v),
                    secret + ": the template must not carry a value for " + k));
            assertTrue(map(at(secret.body(), "data")).isEmpty(), secret + ": the template must not carry data");
        }
    }

    @Test
    void portsAndProbesAreTheServicesOwn() {
        int port = app.httpPort();
        Set<String> health = Set.of(app.operationsPath("health/started"), app.operationsPath("health/live"),
                app.operationsPath("health/ready"));
        for (Container c : k8s.containers()) {
            String where = c.workload().toString();
            assertEquals(String.valueOf(port), c.env().getOrDefault("QUARKUS_HTTP_PORT", String.valueOf(port)),
                    where + ": QUARKUS_HTTP_PORT");
            Map<String, Integer> ports = containerPorts(c);
            assertEquals(port, ports.get("http"), where + ": container port 'http' must be the service's HTTP port");
            Map<String, String> expected = Map.of("startupProbe", app.operationsPath("health/started"),
                    "livenessProbe", app.operationsPath("health/live"), "readinessProbe", app.operationsPath("health/ready"));
            expected.forEach((probe, path) -> {
                Object get = at(c.spec(), probe, "httpGet");
                assertNotNull(get, where + ": no " + probe + " over HTTP");
                assertEquals(path, str(get, "path"), where + ": " + probe + " path");
                assertTrue(health.contains(str(get, "path")));
                String probePort = str(get, "port");
                assertTrue("http".equals(probePort) || String.valueOf(port).equals(probePort), where + ": " + probe + " port " + probePort);
            });
            Map<String, Object> annotations = map(at(c.workload().body(), "spec", "template", "metadata", "annotations"));
            if (annotations.containsKey("prometheus.io/path")) {
                assertEquals(app.operationsPath("metrics"), annotations.get("prometheus.io/path"), where + ": metrics path");
                assertEquals(String.valueOf(port), String.valueOf(annotations.get("prometheus.io/port")), where + ": metrics port");
            }
        }
    }

    @Test
    void servicesAndTheIngressReachRealPorts() {
        for (Doc svc : k8s.base("Service")) {
            Map<String, Object> selector = map(at(svc.body(), "spec", "selector"));
            List<Container> selected = k8s.containers().stream().filter(c -> labels(c).entrySet().containsAll(selector.entrySet())).toList();
            assertEquals(1, selected.stream().map(Container::workload).distinct().count(), svc + " must select exactly one workload");
            for (Object p : list(svc.body(), "spec", "ports")) {
                String target = str(p, "targetPort");
                assertTrue(containerPorts(selected.get(0)).containsKey(target)
                        || containerPorts(selected.get(0)).containsValue(Integer.valueOf(target)), svc + ": targetPort " + target);
            }
        }
        Map<String, List<String>> routes = new TreeMap<>();
        for (Doc ing : k8s.base("Ingress")) {
            List<String> paths = new ArrayList<>();
            for (Object rule : list(ing.body(), "spec", "rules")) {
                for (Object path : list(rule, "http", "paths")) {
                    String service = str(path, "backend", "service", "name");
                    Doc svc = k8s.find("Service", service).orElseThrow(() -> new AssertionError(ing + " routes to a missing Service " + service));
                    String portName = str(path, "backend", "service", "port", "name");
                    assertTrue(list(svc.body(), "spec", "ports").stream().anyMatch(p -> portName != null && portName.equals(str(p, "name"))),
                            ing + ": " + service + " has no port " + portName);
                    // the S3 host serves the S3 port's own API at its root
                    paths.add(str(path, "path") + "->" + componentOf(svc) + ("http".equals(portName) ? "" : ":" + portName));
                }
            }
            routes.put(ing.name(), paths);
        }
        List<String> publicPaths = routes.getOrDefault("onebase", List.of());
        assertTrue(publicPaths.contains("/api->api"), "the public Ingress must route /api to the API: " + publicPaths);
        // the admin API and the console are the operators': never on the public host
        assertTrue(publicPaths.stream().noneMatch(p -> p.startsWith("/admin") || p.startsWith("/console") || p.startsWith("/q")
                || p.equals("/->api")), "the public Ingress publishes an operator's path: " + publicPaths);
        List<String> internalPaths = routes.getOrDefault("onebase-internal", List.of());
        // a manual backup must reach the instance that has the volume
        assertTrue(internalPaths.containsAll(List.of("/admin/backups->backup", "/admin->api", "/console->api")),
                "the internal Ingress must route /admin/backups to the backup instance, /admin and /console to the API: " + internalPaths);
    }

    @Test
    void theOperatorsIngressIsItsOwnHostBehindAnAllowList() {
        Doc internal = k8s.find("Ingress", "onebase-internal").orElseThrow(() -> new AssertionError("no Ingress onebase-internal"));
        Doc pub = k8s.find("Ingress", "onebase").orElseThrow();
        Set<String> publicHosts = new TreeSet<>();
        list(pub.body(), "spec", "rules").forEach(r -> publicHosts.add(str(r, "host")));
        for (Object rule : list(internal.body(), "spec", "rules")) {
            assertNotNull(str(rule, "host"), internal + ": a host of its own");
            assertFalse(publicHosts.contains(str(rule, "host")), internal + " shares a host with the public Ingress");
        }
        String allow = String.valueOf(map(at(internal.body(), "metadata", "annotations")).get("nginx.ingress.kubernetes.io/whitelist-source-range"));
        assertTrue(allow.matches("[0-9./,: a-fA-F]+") && !allow.contains("0.0.0.0/0"), internal + ": an allow-list of source ranges, not everyone: " + allow);
    }

    @Test
    void egressIsNarrowedToNamedDestinations() {
        for (Doc np : k8s.base("NetworkPolicy")) {
            for (Object rule : list(np.body(), "spec", "egress")) {
                // a rule without "to" allows every address
                assertFalse(list(rule, "to").isEmpty(), np + ": an egress rule without destinations: " + rule);
                for (Object to : list(rule, "to")) {
                    String cidr = str(to, "ipBlock", "cidr");
                    assertTrue(cidr == null || !cidr.endsWith("/0"), np + ": egress to every address (" + cidr + ")");
                }
                assertFalse(list(rule, "ports").isEmpty(), np + ": an egress rule without ports: " + rule);
            }
        }
        // the backup instance: the off-site endpoint and the webhook by address, and a managed database by address
        Doc backup = k8s.find("NetworkPolicy", "onebase-backup-egress").orElseThrow(() -> new AssertionError("no onebase-backup-egress"));
        assertEquals("backup", str(backup.body(), "spec", "podSelector", "matchLabels", "app.kubernetes.io/component"));
        assertTrue(list(backup.body(), "spec", "egress").stream().allMatch(r -> list(r, "to").stream().allMatch(t -> str(t, "ipBlock", "cidr") != null)),
                backup + ": by address range");
        Doc external = k8s.find("NetworkPolicy", "onebase-database-external").orElseThrow(() -> new AssertionError("no onebase-database-external"));
        assertEquals("5432", str(list(list(external.body(), "spec", "egress").get(0), "ports").get(0), "port"), external + ": PostgreSQL's port");
    }

    @Test
    void theMonitoringScrapesEveryWorkloadAndAlertsOnWhatMatters() {
        Doc pm = k8s.find("PodMonitor", "onebase").orElseThrow(() -> new AssertionError("no PodMonitor onebase"));
        Map<String, Object> selector = map(at(pm.body(), "spec", "selector", "matchLabels"));
        Object endpoint = list(pm.body(), "spec", "podMetricsEndpoints").get(0);
        for (Container c : k8s.containers()) {
            assertTrue(labels(c).entrySet().containsAll(selector.entrySet()), pm + " does not select " + c.workload());
            assertTrue(containerPorts(c).containsKey(str(endpoint, "port")), pm + ": " + c.workload() + " has no port " + str(endpoint, "port"));
        }
        assertEquals(app.operationsPath("metrics"), str(endpoint, "path"), pm + ": the metrics path");
        Doc rules = k8s.find("PrometheusRule", "onebase").orElseThrow(() -> new AssertionError("no PrometheusRule onebase"));
        Map<String, String> alerts = new TreeMap<>();
        for (Object group : list(rules.body(), "spec", "groups")) {
            for (Object rule : list(group, "rules")) {
                alerts.put(str(rule, "alert"), str(rule, "expr"));
            }
        }
        Map<String, String> needed = Map.of("backup age", "onebase_backup_newest_verified_age_seconds", "restore test failed",
                "onebase_backup_restore_passed", "WAL lag", "onebase_backup_wal_lag_bytes", "WAL age", "onebase_backup_wal_age_seconds",
                "error rate", "SERVER_ERROR", "pool saturation", "onebase_db_pool_pending");
        needed.forEach((what, term) -> assertTrue(alerts.values().stream().anyMatch(e -> e.contains(term)), "no alert on " + what + ": " + alerts));
        // every overlay deploys the monitoring
        for (Doc kz : k8s.kind("Kustomization")) {
            if (kz.file().startsWith(Manifests.K8S.resolve("overlays"))) {
                // directly, or through the overlay it builds on (native builds on prod)
                assertTrue(list(kz.body(), "resources").stream().map(String::valueOf)
                        .anyMatch(r -> r.equals("../../monitoring") || r.matches("\\.\\./[a-z0-9-]+")), kz + " does not include ../../monitoring");
            }
        }
    }

    @Test
    void podsAreHardened() {
        for (Container c : k8s.containers()) {
            String where = c.workload().toString();
            Object podSec = at(c.workload().body(), "spec", "template", "spec", "securityContext");
            assertEquals("true", str(podSec, "runAsNonRoot"), where + ": runAsNonRoot");
            assertEquals("true", str(c.spec(), "securityContext", "readOnlyRootFilesystem"), where + ": read-only root filesystem");
            assertEquals("false", str(c.spec(), "securityContext", "allowPrivilegeEscalation"), where + ": allowPrivilegeEscalation");
            assertEquals(List.of("ALL"), list(c.spec(), "securityContext", "capabilities", "drop"), where + ": drop all capabilities");
            String tmpVolume = list(c.spec(), "volumeMounts").stream().filter(m -> "/tmp".equals(str(m, "mountPath")))
                    .map(m -> str(m, "name")).findFirst().orElseThrow(() -> new AssertionError(where + ": /tmp must be a writable volume"));
            assertTrue(list(c.workload().body(), "spec", "template", "spec", "volumes").stream()
                    .anyMatch(v -> tmpVolume.equals(str(v, "name")) && at(v, "emptyDir") != null), where + ": /tmp must be an emptyDir");
            assertNotNull(str(c.spec(), "resources", "requests", "memory"), where + ": memory request");
            assertNotNull(str(c.spec(), "resources", "limits", "memory"), where + ": memory limit");
        }
    }

    @Test
    void exactlyOneBackupInstanceWithItsVolumeAndTheApiReplicasBackUpNothing() {
        List<Container> backup = k8s.containers().stream().filter(c -> !"false".equals(c.env().get("ONEBASE_BACKUP_WAL_ENABLED"))).toList();
        assertEquals(1, backup.size(), "exactly one workload may stream WAL (ONEBASE_BACKUP_WAL_ENABLED not false): " + backup);
        Container b = backup.get(0);
        Object spec = at(b.workload().body(), "spec");
        assertEquals("1", str(spec, "replicas"), b.workload() + ": a single backup instance");
        if (b.workload().kind().equals("Deployment")) {
            assertEquals("Recreate", str(spec, "strategy", "type"), b.workload() + ": Recreate, so two never run at once");
        }
        for (Doc hpa : k8s.kind("HorizontalPodAutoscaler")) {
            assertFalse(b.workload().name().equals(str(hpa.body(), "spec", "scaleTargetRef", "name")), hpa + " scales the backup instance");
        }
        String dir = b.env().get("ONEBASE_BACKUP_DIR");
        assertNotNull(dir, b.workload() + ": ONEBASE_BACKUP_DIR");
        String volume = list(b.spec(), "volumeMounts").stream().filter(m -> dir.equals(str(m, "mountPath"))).map(m -> str(m, "name"))
                .findFirst().orElseThrow(() -> new AssertionError(b.workload() + ": nothing mounted at " + dir));
        String claim = list(spec, "template", "spec", "volumes").stream().filter(v -> volume.equals(str(v, "name")))
                .map(v -> str(v, "persistentVolumeClaim", "claimName")).findFirst().orElse(null);
        assertNotNull(claim, b.workload() + ": the backup directory must be a PersistentVolumeClaim");
        Doc pvc = k8s.find("PersistentVolumeClaim", claim).orElseThrow(() -> new AssertionError("missing PVC " + claim));
        assertEquals(List.of("ReadWriteOnce"), list(pvc.body(), "spec", "accessModes"), pvc + ": one writer");

        for (Container c : k8s.containers()) {
            if (!c.workload().name().equals(b.workload().name())) {
                assertTrue(c.env().keySet().stream().filter(k -> k.matches("ONEBASE_JOBS_BACKUP_.*_ENABLED"))
                        .allMatch(k -> "false".equals(c.env().get(k))), c.workload() + ": backup jobs must be off");
                assertFalse(c.env().containsKey("ONEBASE_BACKUP_PASSWORD"), c.workload() + ": only the backup instance gets the backup role");
            }
        }
    }

    @Test
    void backupJobsRunOnlyOnTheBackupInstanceAndEveryOtherJobOnTheApi() {
        List<Container> workloads = k8s.containers();
        Set<String> jobs = new TreeSet<>(app.jobs);
        if (jobs.isEmpty()) {
            // no job in this tree yet: check the jobs the manifests place against each other
            for (Container c : workloads) {
                c.env().keySet().stream().filter(k -> k.matches("ONEBASE_JOBS_[A-Z0-9_]+_ENABLED")).forEach(k -> jobs.add(
                        k.substring("ONEBASE_JOBS_".length(), k.length() - "_ENABLED".length()).toLowerCase().replace('_', '-')));
            }
        }
        assertFalse(jobs.isEmpty(), "no jobs found in the code nor in the manifests");
        for (String job : jobs) {
            String switchName = ConfigSurface.envOf("onebase.jobs." + job + ".enabled");
            List<String> on = workloads.stream().filter(c -> !"false".equals(c.env().get(switchName))
                    && !"false".equals(c.env().get("ONEBASE_JOBS_SCHEDULER_ENABLED"))).map(Container::component).toList();
            if (job.startsWith("backup-")) {
                // they write to the backup volume: only where it is mounted
                assertEquals(List.of("backup"), on, "job " + job + " must be scheduled on the backup instance only (" + switchName + ")");
            } else {
                // the runner runs a tick once across replicas, so any number of workloads may schedule it, but the API must
                assertTrue(on.contains("api"), "job " + job + " must be scheduled on the API replicas (" + switchName + ")");
            }
        }
    }

    @Test
    void theApiScalesOutAndStaysAvailable() {
        Doc api = k8s.base("Deployment").stream().filter(d -> "api".equals(componentOf(d))).findFirst()
                .orElseThrow(() -> new AssertionError("no API Deployment (component api)"));
        assertTrue(Integer.parseInt(str(api.body(), "spec", "replicas")) >= 2, api + ": 2+ replicas");
        Doc hpa = k8s.base("HorizontalPodAutoscaler").stream().findFirst().orElseThrow();
        assertEquals(api.name(), str(hpa.body(), "spec", "scaleTargetRef", "name"));
        assertTrue(Integer.parseInt(str(hpa.body(), "spec", "minReplicas")) >= 2, hpa + ": minReplicas");
        Doc pdb = k8s.base("PodDisruptionBudget").stream().findFirst().orElseThrow();
        assertEquals(map(at(api.body(), "spec", "selector", "matchLabels")), map(at(pdb.body(), "spec", "selector", "matchLabels")),
                pdb + " must cover the API pods");
        assertFalse(k8s.base("NetworkPolicy").isEmpty(), "a NetworkPolicy");
        // overlays may grow the API, never shrink it below 2 nor scale the backup instance
        for (Doc kz : k8s.kind("Kustomization")) {
            for (Object patch : list(kz.body(), "patches")) {
                String target = str(patch, "target", "name");
                String ops = String.valueOf(at(patch, "patch"));
                assertFalse(target != null && target.contains("backup") && ops.contains("replicas"), kz + " scales the backup instance");
                for (String line : ops.split("\n")) {
                    if (line.contains("value:") && ops.contains("/spec/replicas") && "onebase-api".equals(target)
                            && line.trim().matches("value: \\d+")) {
                        assertTrue(Integer.parseInt(line.trim().substring(7)) >= 2, kz + ": API replicas below 2");
                    }
                }
            }
        }
    }

    @Test
    void theApiIsSizedForTheJvmAndTheNativeOverlayForTheNativeBinary() {
        Container api = k8s.containers().stream().filter(c -> "api".equals(c.component())).findFirst().orElseThrow();
        // measured: the JVM image reaches 330 MiB RSS under a short load (docs/deploy.md#sizing)
        assertTrue(mebibytes(str(api.spec(), "resources", "limits", "memory")) >= 512, api.workload() + ": the JVM needs more than 384Mi");
        assertTrue(mebibytes(str(api.spec(), "resources", "requests", "memory")) >= 384, api.workload() + ": memory request");
        Doc nativeOverlay = k8s.kind("Kustomization").stream().filter(k -> k.file().startsWith(Manifests.K8S.resolve("overlays/native")))
                .findFirst().orElseThrow(() -> new AssertionError("no k8s/overlays/native"));
        assertTrue(String.valueOf(nativeOverlay.body().get("patches")).contains("memory"), nativeOverlay + ": sizes of its own");
    }

    private static long mebibytes(String quantity) {
        assertNotNull(quantity);
        if (quantity.endsWith("Gi")) {
            return Long.parseLong(quantity.substring(0, quantity.length() - 2)) * 1024;
        }
        assertTrue(quantity.endsWith("Mi"), "a quantity in Mi or Gi: " + quantity);
        return Long.parseLong(quantity.substring(0, quantity.length() - 2));
    }

    @Test
    void theIngressStreams() {
        for (Doc ing : k8s.base("Ingress")) {
            Map<String, Object> a = map(at(ing.body(), "metadata", "annotations"));
            assertEquals("off", a.get("nginx.ingress.kubernetes.io/proxy-request-buffering"), ing + ": uploads must stream, not buffer");
            assertEquals("off", a.get("nginx.ingress.kubernetes.io/proxy-buffering"), ing + ": downloads must stream");
            for (String t : List.of("proxy-read-timeout", "proxy-send-timeout")) {
                assertTrue(Integer.parseInt(String.valueOf(a.get("nginx.ingress.kubernetes.io/" + t))) >= 300, ing + ": " + t);
            }
            assertTrue(bodyLimit(ing) > 0, ing + ": a body limit");
        }
    }

    // --- helpers --------------------------------------------------------------------------------------------

    /**
     * Whether the job a switch like {@code ONEBASE_JOBS_FILE_PURGE_ENABLED} names should be in this tree: a job runner
     * is, and the job's feature is (a package named after its first word, or another job starting with that word).
     * Otherwise the name waits for the feature to be merged.
     */
    static boolean jobFeatureHere(String env) {
        if (!app.jobRunner || app.jobs.isEmpty()) {
            return false;
        }
        String job = env.substring("ONEBASE_JOBS_".length()).replaceFirst("_[A-Z]+$", "");
        String first = job.split("_")[0].toLowerCase(java.util.Locale.ROOT);
        Path main = ProjectFiles.ROOT.resolve("src/main/java/dev/onebase");
        return Files.isDirectory(main.resolve(first)) || Files.isDirectory(main.resolve(first + "s"))
                || app.jobs.stream().anyMatch(j -> j.startsWith(first + "-"));
    }


    static long bodyLimit(Doc ingress) {
        String v = String.valueOf(map(at(ingress.body(), "metadata", "annotations")).get("nginx.ingress.kubernetes.io/proxy-body-size"));
        if (!v.matches("(?i)\\d+[kmg]?")) {
            fail(ingress + ": proxy-body-size " + v);
        }
        char unit = Character.toLowerCase(v.charAt(v.length() - 1));
        long n = Long.parseLong(v.replaceAll("(?i)[kmg]$", ""));
        return switch (unit) {
            case 'k' -> n << 10;
            case 'm' -> n << 20;
            case 'g' -> n << 30;
            default -> n;
        };
    }

    static Set<String> manifestEnvNames() {
        Set<String> names = new TreeSet<>();
        k8s.containers().forEach(c -> names.addAll(c.env().keySet()));
        k8s.kind("ConfigMap").forEach(cm -> names.addAll(map(at(cm.body(), "data")).keySet()));
        // generated Secrets read through envFrom (e.g. the dev overlay's ONEBASE_ADMIN_TOKEN)
        for (Doc kz : k8s.kind("Kustomization")) {
            for (Object gen : list(kz.body(), "secretGenerator")) {
                if (k8s.find("Secret", str(gen, "name")).isPresent()) {
                    list(gen, "literals").forEach(l -> names.add(String.valueOf(l).split("=", 2)[0]));
                }
            }
        }
        return names;
    }

    private static Map<String, Integer> containerPorts(Container c) {
        Map<String, Integer> ports = new TreeMap<>();
        for (Object p : list(c.spec(), "ports")) {
            ports.put(str(p, "name"), Integer.valueOf(str(p, "containerPort")));
        }
        return ports;
    }

    private static Map<String, Object> labels(Container c) {
        return map(at(c.workload().body(), "spec", "template", "metadata", "labels"));
    }

    private static String componentOf(Doc d) {
        String fromSelector = str(d.body(), "spec", "selector", "app.kubernetes.io/component");
        return fromSelector != null ? fromSelector : str(d.body(), "spec", "template", "metadata", "labels", "app.kubernetes.io/component");
    }
}
