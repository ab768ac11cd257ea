package dev.onebase.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.ProjectFiles;

/**
 * The dependency rule of docs/architecture.md: a package may use only the packages of lower layers. Features of one
 * layer never use one another; the native-image configuration and the entry point may use anything. Checked on every
 * reference to {@code dev.onebase.<package>.} in the main sources (imports and fully qualified names alike). In the
 * test sources, what tests share lives in {@code testsupport} (docs/testing.md): no test package uses the classes of
 * another, and {@code testsupport} uses no feature.
 */
class DependencyRuleTest {

    static final Map<String, Integer> LAYERS = Map.ofEntries(
            Map.entry("web", 0),
            Map.entry("db", 1),
            Map.entry("job", 2),
            Map.entry("auth", 3),
            Map.entry("tenant", 4),
            Map.entry("ratelimit", 5),
            Map.entry("cache", 6), Map.entry("session", 6), Map.entry("flag", 6), Map.entry("file", 6),
            Map.entry("stats", 6), Map.entry("backup", 6),
            Map.entry("s3", 7),
            Map.entry("nativeimage", 9), Map.entry("", 9));

    private static final Path MAIN = Path.of("src/main/java/dev/onebase");
    private static final Path TEST = Path.of("src/test/java/dev/onebase");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.onebase\\.([a-z]+)\\.[A-Za-z]");
    private static final Pattern CLASS_REFERENCE = Pattern.compile("\\bdev\\.onebase\\.([a-z]+)\\.([A-Z]\\w*)");
    private static final String TESTSUPPORT = "testsupport";

    @Test
    void everyPackageUsesOnlyLowerLayers() throws IOException {
        Set<String> broken = new TreeSet<>();
        for (Path file : javaFiles(MAIN)) {
            String from = packageOf(MAIN, file);
            String source = Files.readString(file);
            Matcher m = REFERENCE.matcher(source);
            while (m.find()) {
                String to = m.group(1);
                if (!to.equals(from) && !allowed(from, to)) {
                    broken.add(MAIN.relativize(file) + " uses " + to);
                }
            }
        }
        assertEquals(Set.of(), broken, "imports that break the dependency rule (docs/architecture.md)");
    }

    @Test
    void everyPackageHasALayer() throws IOException {
        Set<String> unknown = new TreeSet<>();
        for (Path file : javaFiles(MAIN)) {
            if (!LAYERS.containsKey(packageOf(MAIN, file))) {
                unknown.add(packageOf(MAIN, file));
            }
        }
        assertEquals(Set.of(), unknown, "new packages need a place in the rule and in docs/architecture.md");
    }

    @Test
    void testsShareHelpersOnlyThroughTestsupport() throws IOException {
        Set<String> testClasses = new TreeSet<>();
        for (Path file : javaFiles(TEST)) {
            String name = file.getFileName().toString();
            testClasses.add(packageOf(TEST, file) + "." + name.substring(0, name.length() - ".java".length()));
        }
        Set<String> broken = new TreeSet<>();
        for (Path file : javaFiles(TEST)) {
            String from = packageOf(TEST, file);
            Matcher m = CLASS_REFERENCE.matcher(Files.readString(file));
            while (m.find()) {
                String to = m.group(1);
                boolean otherTests = testClasses.contains(to + "." + m.group(2)) && !to.equals(from) && !to.equals(TESTSUPPORT);
                boolean supportUsesAFeature = from.equals(TESTSUPPORT) && !to.equals(TESTSUPPORT) && !to.equals("db");
                if (otherTests || supportUsesAFeature) {
                    broken.add(TEST.relativize(file) + " uses " + to + "." + m.group(2));
                }
            }
        }
        assertEquals(Set.of(), broken, "tests share helpers through dev.onebase.testsupport only (docs/testing.md)");
    }

    @Test
    void theRuleCatchesABreach() {
        assertTrue(allowed("cache", "web"));
        assertTrue(allowed("stats", "ratelimit"));
        assertTrue(!allowed("web", "auth"), "web imports no feature");
        assertTrue(!allowed("tenant", "cache"), "a lower layer never uses a higher one");
        assertTrue(!allowed("cache", "flag"), "features never use one another");
    }

    static boolean allowed(String from, String to) {
        Integer f = LAYERS.get(from);
        Integer t = LAYERS.get(to);
        return f != null && t != null && t < f;
    }

    private static String packageOf(Path root, Path file) {
        Path dir = root.relativize(file).getParent();
        return dir == null ? "" : dir.toString().replace('/', '.');
    }

    private static List<Path> javaFiles(Path root) {
        return ProjectFiles.files(root, ".java");
    }
}
