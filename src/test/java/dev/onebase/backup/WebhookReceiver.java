package dev.onebase.backup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A tiny HTTP server that records the alert webhook's POSTs (its URL becomes onebase.backup.alert.webhook-url), and a
 * fresh backup directory for the test run (onebase.backup.dir), deleted when the tests are done.
 * <p>
 * Declared once, here, and global like {@link dev.onebase.testsupport.EmbeddedDatabaseResource}: every test class of
 * the module (the backup tests use it) then has the same test resources, so Quarkus starts the application once.
 */
@QuarkusTestResource(WebhookReceiver.class)
public class WebhookReceiver implements QuarkusTestResourceLifecycleManager {

    public static final List<String> BODIES = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private java.nio.file.Path dir;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/alert", exchange -> {
            BODIES.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            dir = java.nio.file.Files.createTempDirectory("onebase-test-backups-");
            java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("onebase.backup.alert.webhook-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/alert",
                "onebase.backup.dir", dir.toString());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
        Artifacts.deleteTree(dir);
    }
}
