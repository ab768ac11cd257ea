package dev.onebase.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import dev.onebase.testsupport.ProjectFiles;

/** Every YAML document under {@code k8s/}, parsed, with small helpers to walk the Kubernetes objects. */
final class Manifests {

    static final Path K8S = ProjectFiles.ROOT.resolve("k8s");

    /** One parsed document and the file it came from. */
    record Doc(Path file, Map<String, Object> body) {
        String kind() {
            return str(body, "kind");
        }

        String name() {
            return str(body, "metadata", "name");
        }

        @Override
        public String toString() {
            return kind() + "/" + name() + " (" + K8S.relativize(file) + ")";
        }
    }

    /** A container of a workload with the env it gets (ConfigMap/Secret keys through envFrom, then env). */
    record Container(Doc workload, Map<String, Object> spec, Map<String, String> env) {
        String component() {
            return str(workload.body(), "spec", "template", "metadata", "labels", "app.kubernetes.io/component");
        }
    }

    final List<Doc> docs = new ArrayList<>();

    static Manifests load() {
        Manifests m = new Manifests();
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        for (Path f : ProjectFiles.files(K8S, ".yaml")) {
            try (Reader r = Files.newBufferedReader(f)) {
                for (Object o : yaml.loadAll(r)) {
                    if (o != null) {
                        m.docs.add(new Doc(f, map(o)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                throw new AssertionError(K8S.relativize(f) + " is not valid YAML: " + e.getMessage(), e);
            }
        }
        return m;
    }

    List<Doc> kind(String kind) {
        return docs.stream().filter(d -> kind.equals(d.kind())).toList();
    }

    /** The base's objects (what every overlay deploys) of a kind. */
    List<Doc> base(String kind) {
        return kind(kind).stream().filter(d -> d.file().startsWith(K8S.resolve("base"))).toList();
    }

    Optional<Doc> find(String kind, String name) {
        return kind(kind).stream().filter(d -> name.equals(d.name())).findFirst();
    }

    /** The containers of the base's workloads, each with its effective environment (literal values; refs as "ref:"). */
    List<Container> containers() {
        List<Container> out = new ArrayList<>();
        for (String kind : List.of("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")) {
            for (Doc w : base(kind)) {
                for (Object c : list(w.body(), "spec", "template", "spec", "containers")) {
                    Map<String, Object> spec = map(c);
                    out.add(new Container(w, spec, environment(spec)));
                }
            }
        }
        return out;
    }

    private Map<String, String> environment(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object o : list(container, "envFrom")) {
            Map<String, Object> from = map(o);
            String cm = str(from, "configMapRef", "name");
            String secret = str(from, "secretRef", "name");
            if (cm != null) {
                Doc d = find("ConfigMap", cm).orElseThrow(() -> new AssertionError("envFrom names a missing ConfigMap " + cm));
                map(d.body().get("data")).forEach((k, v) -> env.put(k, String.valueOf(v)));
            }
            if (secret != null) {
                Doc d = find("Secret", secret).orElseThrow(() -> new AssertionError("envFrom names a Secret with no template: " + secret));
                Map<String, Object> data = new LinkedHashMap<>(map(d.body().get("stringData")));
                data.putAll(map(d.body().get("data")));
                data.keySet().forEach(k -> env.put(k, "ref:secret/" + secret));
            }
        }
        for (Object o : list(container, "env")) {
            Map<String, Object> e = map(o);
            String name = str(e, "name");
            env.put(name, e.containsKey("value") ? String.valueOf(e.get("value")) : "ref:" + e.get("valueFrom"));
        }
        return env;
    }

    // --- untyped YAML walking -------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static Object at(Object root, String... path) {
        Object o = root;
        for (String p : path) {
            o = map(o).get(p);
            if (o == null) {
                return null;
            }
        }
        return o;
    }

    static String str(Object root, String... path) {
        Object o = at(root, path);
        return o == null ? null : String.valueOf(o);
    }

    static List<Object> list(Object root, String... path) {
        Object o = at(root, path);
        return o instanceof List<?> l ? l.stream().filter(Objects::nonNull).map(x -> (Object) x).toList() : List.of();
    }
}
