package dev.onebase.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.onebase.testsupport.ProjectFiles;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

/**
 * What the application really reads, found in the project itself rather than listed here, so the manifest tests keep
 * checking the truth as features land:
 * <ul>
 * <li>keys of {@code application.properties} and the environment variables its {@code ${NAME:default}} expressions
 * read;</li>
 * <li>every {@code @ConfigMapping} interface (walked like SmallRye does: kebab-case, {@code @WithName}, nested groups)
 * and every {@code @ConfigProperty} of the compiled classes;</li>
 * <li>settings read before Quarkus starts ({@code setting("...")} in {@code DatabaseBootstrap}) and
 * {@code System.getenv("...")} literals in {@code src/main/java};</li>
 * <li>the job runner's per-job keys {@code onebase.jobs.<name>.schedule|enabled|timeout} for every job whose
 * {@code name()} is found in {@code src/main/java}, once a runner reads {@code onebase.jobs.};</li>
 * <li>the environment variables documented in the configuration tables of README.md (and docs/*.md, if any).</li>
 * </ul>
 */
public final class ConfigSurface {


    private static final Pattern PLACEHOLDER_ENV = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::[^}]*)?}");
    private static final Pattern BOOTSTRAP_SETTING = Pattern.compile("setting\\(\"([a-z0-9.-]+)\"\\)");
    private static final Pattern GETENV = Pattern.compile("getenv\\(\\)\\.getOrDefault\\(\"([A-Z0-9_]+)\"|getenv\\(\"([A-Z0-9_]+)\"\\)");
    private static final Pattern CONFIG_LOOKUP = Pattern.compile("get(?:Optional)?Value\\(\"([a-z][a-z0-9.-]+)\"");
    private static final Pattern JOB_NAME = Pattern.compile("String\\s+name\\(\\)\\s*\\{\\s*return\\s+\"([a-z0-9][a-z0-9-]*)\"\\s*;");
    private static final Pattern DOC_ENV = Pattern.compile("`([A-Z][A-Z0-9_]{2,})`");
    static final List<String> JOB_SETTINGS = List.of("schedule", "enabled", "timeout");

    /** Values of application.properties (no profile, or %prod). */
    final java.util.Map<String, String> values = new java.util.HashMap<>();
    /** Property names (lower-case, dotted) the application reads. */
    final Set<String> properties = new TreeSet<>();
    /** Prefixes of {@code @ConfigMapping} interfaces (a feature is "in the code" when one starts its prefix). */
    final Set<String> mappingPrefixes = new TreeSet<>();
    /** Environment variables read directly (placeholders, getenv) or documented. */
    final Set<String> envNames = new TreeSet<>();
    /** Job names found in the sources. */
    final Set<String> jobs = new TreeSet<>();
    /** Whether a job runner reads {@code onebase.jobs.<name>.*}. */
    boolean jobRunner;

    static ConfigSurface load() {
        ConfigSurface s = new ConfigSurface();
        s.readProperties(ProjectFiles.ROOT.resolve("src/main/resources/application.properties"));
        s.readSources(ProjectFiles.ROOT.resolve("src/main/java"));
        s.readCompiledClasses(ProjectFiles.ROOT.resolve("target/classes"));
        s.readDocs();
        if (s.jobRunner) {
            for (String job : s.jobs) {
                for (String setting : JOB_SETTINGS) {
                    s.properties.add("onebase.jobs." + job + "." + setting);
                }
            }
        }
        return s;
    }

    /** The environment-variable form of a property name (SmallRye: upper case, every other character '_'). */
    static String envOf(String property) {
        return property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** The HTTP port the packaged service listens on (Quarkus default 8080). */
    int httpPort() {
        return Integer.parseInt(resolve(values.getOrDefault("quarkus.http.port", "8080")));
    }

    /** Where Quarkus serves an operations endpoint ("health/live", "metrics"), following the configured roots. */
    String operationsPath(String what) {
        String root = "/" + strip(resolve(values.getOrDefault("quarkus.http.non-application-root-path", "q")));
        if (what.startsWith("health")) {
            String health = strip(resolve(values.getOrDefault("quarkus.smallrye-health.root-path", "health")));
            return root + "/" + health + what.substring("health".length());
        }
        if (what.equals("metrics")) {
            return root + "/" + strip(resolve(values.getOrDefault("quarkus.micrometer.export.prometheus.path", "metrics")));
        }
        return root + "/" + what;
    }

    /** The default of a {@code ${ENV:default}} value (what the manifests would change through ENV). */
    private static String resolve(String value) {
        Matcher m = Pattern.compile("^\\$\\{[^:}]+:([^}]*)}$").matcher(value);
        return m.matches() ? m.group(1) : value;
    }

    private static String strip(String path) {
        return path.replaceAll("^/+|/+$", "");
    }

    boolean reads(String env) {
        return envNames.contains(env) || properties.stream().anyMatch(p -> envOf(p).equals(env));
    }

    /** Whether any code or configuration of the feature behind an {@code ONEBASE_<FEATURE>_...} name exists. */
    boolean hasFeatureOf(String env) {
        String[] parts = env.split("_");
        if (parts.length < 2 || !parts[0].equals("ONEBASE")) {
            return true;
        }
        String prefix = "onebase." + parts[1].toLowerCase(Locale.ROOT);
        return Stream.concat(properties.stream(), mappingPrefixes.stream())
                .anyMatch(p -> p.equals(prefix) || p.startsWith(prefix + ".") || p.startsWith(prefix + "s."));
    }

    private void readProperties(Path file) {
        for (String line : lines(file)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || !l.contains("=")) {
                continue;
            }
            String key = l.substring(0, l.indexOf('=')).strip();
            String value = l.substring(l.indexOf('=') + 1).strip();
            if (key.startsWith("%")) {
                boolean prod = key.startsWith("%prod.");
                key = key.substring(key.indexOf('.') + 1);
                if (prod) {
                    values.put(key, value);
                }
            } else {
                values.putIfAbsent(key, value);
            }
            properties.add(key);
            Matcher m = PLACEHOLDER_ENV.matcher(l);
            while (m.find()) {
                envNames.add(m.group(1));
            }
        }
    }

    private void readSources(Path dir) {
        for (Path f : ProjectFiles.files(dir, ".java")) {
            String src = String.join("\n", lines(f));
            collect(BOOTSTRAP_SETTING, src, properties);
            collect(CONFIG_LOOKUP, src, properties);
            Matcher env = GETENV.matcher(src);
            while (env.find()) {
                envNames.add(env.group(1) != null ? env.group(1) : env.group(2));
            }
            collect(JOB_NAME, src, jobs);
            if (src.contains("\"onebase.jobs.")) {
                jobRunner = true;
            }
        }
    }

    private void readCompiledClasses(Path dir) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (Path f : ProjectFiles.files(dir, ".class")) {
            String name = dir.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
            Class<?> c;
            try {
                c = Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                continue;
            }
            ConfigMapping mapping = c.getAnnotation(ConfigMapping.class);
            if (mapping != null) {
                mappingPrefixes.add(mapping.prefix());
                walkMapping(mapping.prefix(), c, 0);
            }
            try {
                for (Field field : c.getDeclaredFields()) {
                    addConfigProperty(field.getAnnotation(ConfigProperty.class));
                }
                for (Constructor<?> ctor : c.getDeclaredConstructors()) {
                    for (Parameter p : ctor.getParameters()) {
                        addConfigProperty(p.getAnnotation(ConfigProperty.class));
                    }
                }
                for (Method m : c.getDeclaredMethods()) {
                    for (Parameter p : m.getParameters()) {
                        addConfigProperty(p.getAnnotation(ConfigProperty.class));
                    }
                }
            } catch (LinkageError e) {
                // a class whose dependencies are not on the test class path reads nothing we can see
            }
        }
    }

    private void addConfigProperty(ConfigProperty p) {
        if (p != null && !p.name().isEmpty()) {
            properties.add(p.name());
        }
    }

    private void walkMapping(String prefix, Class<?> type, int depth) {
        if (depth > 6) {
            return;
        }
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() > 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            WithName withName = m.getAnnotation(WithName.class);
            String key = m.isAnnotationPresent(WithParentName.class) ? prefix
                    : prefix + "." + (withName != null ? withName.value() : kebab(m.getName()));
            Class<?> group = groupType(m.getGenericReturnType());
            if (group != null) {
                walkMapping(key, group, depth + 1);
            } else {
                properties.add(key);
            }
        }
    }

    /** The nested group interface behind a method's type (also inside Optional), or null for a leaf value. */
    private static Class<?> groupType(Type t) {
        if (t instanceof ParameterizedType pt && pt.getRawType() == java.util.Optional.class) {
            t = pt.getActualTypeArguments()[0];
        }
        if (t instanceof Class<?> c && c.isInterface() && !c.getName().startsWith("java.")) {
            return c;
        }
        return null;
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private void readDocs() {
        List<Path> docs = new ArrayList<>();
        docs.add(ProjectFiles.ROOT.resolve("README.md"));
        docs.addAll(ProjectFiles.files(ProjectFiles.ROOT.resolve("docs"), ".md"));
        for (Path doc : docs) {
            for (String line : lines(doc)) {
                // configuration tables: | `setting` | `ENV_VAR` | default | meaning |
                if (!line.startsWith("|")) {
                    continue;
                }
                String[] cells = line.split("\\|");
                if (cells.length > 2) {
                    Matcher m = DOC_ENV.matcher(cells[2]);
                    while (m.find()) {
                        envNames.add(m.group(1));
                    }
                }
            }
        }
    }

    private static void collect(Pattern p, String text, Set<String> into) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            into.add(m.group(1));
        }
    }

    private static List<String> lines(Path f) {
        if (!Files.exists(f)) {
            return List.of();
        }
        try {
            return Files.readAllLines(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
