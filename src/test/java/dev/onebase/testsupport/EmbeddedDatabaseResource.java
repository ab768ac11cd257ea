package dev.onebase.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.onebase.db.DatabaseBootstrap;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Tests start the same embedded PostgreSQL as the service does, on a fresh cluster in a temporary directory,
 * once per test JVM; it is stopped and deleted when the JVM exits.
 * <p>
 * Declared once, here, for the whole module: a {@code @QuarkusTestResource} without {@code restrictToAnnotatedClass}
 * is global in Quarkus wherever it is written (Quarkus finds it in the index of the test classes), so every
 * {@code @QuarkusTest} and every {@code @QuarkusIntegrationTest} gets the cluster without naming it. Keep it global:
 * every test class then has the same set of test resources, which lets Quarkus start the application once for all
 * of them; a restricted resource, a {@code @WithTestResource} (its default scope is the matching classes only) or a
 * stereotype annotation carrying it (Quarkus compares the annotation too) gives classes different sets, and Quarkus
 * restarts the application whenever the set changes from one class to the next.
 */
@QuarkusTestResource(EmbeddedDatabaseResource.class)
public class EmbeddedDatabaseResource implements QuarkusTestResourceLifecycleManager {

    private static Map<String, String> properties;

    @Override
    public synchronized Map<String, String> start() {
        if (properties == null) {
            try {
                Path dir = Files.createTempDirectory("onebase-test-db-");
                properties = DatabaseBootstrap.embedded(dir, true);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return properties;
    }

    /** The connection settings of the test cluster (the {@code onebase.db.*} and {@code quarkus.datasource.*} keys). */
    public static Map<String, String> properties() {
        return properties;
    }

    @Override
    public void stop() {
        // the cluster lives until the JVM exits, so every test profile of this run shares it
    }
}
