package dev.onebase.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Tests start the same embedded PostgreSQL as the service does, on a fresh cluster in a temporary directory,
 * once per test JVM; it is stopped and deleted when the JVM exits.
 */
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

    public static Map<String, String> properties() {
        return properties;
    }

    @Override
    public void stop() {
        // the cluster lives until the JVM exits, so every test profile of this run shares it
    }
}
