package dev.onebase.db;

import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.EmbeddedDatabaseResource;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/** With the database down the API answers 503 with a problem body and readiness fails; both recover with it. */
@QuarkusTest
class DatabaseOutageTest {

    @Test
    void anUnreachableDatabaseIs503AndTheServiceRecovers() {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200);
        // fast, not immediate: the test cluster runs with fsync and synchronous_commit off, so a crash could lose the
        // rows other tests wrote; a fast shutdown still cuts every pooled connection
        pgCtl("stop", "-m", "fast");
        try {
            as(t).get("/api/v1/tenant").then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "5").body("status", equalTo(503));
            given().get("/q/health/ready").then().statusCode(503);
        } finally {
            Map<String, String> p = EmbeddedDatabaseResource.properties();
            Path log = Path.of(p.get("onebase.db.data-dir")).getParent().resolve("postgres.log");
            pgCtl("start", "-l", log.toString(), "-o", "-p " + p.get("onebase.db.port"));
        }
        // pooled connections that died with the server are replaced as they are next used
        Eventually.until("the API and readiness to answer 200 again",
                () -> as(t).get("/api/v1/tenant").statusCode() == 200 && given().get("/q/health/ready").statusCode() == 200);
        as(t).get("/api/v1/tenant").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    /**
     * Requests that are in flight or arrive while the server restarts (their connections reset mid-write, a pipe
     * breaks) are 503 with Retry-After like any other outage answer, never 500; and the client leaves no
     * "Result is already complete" failure in the log.
     */
    @Test
    void requestsDuringARestartAreNever500() throws Exception {
        Tenant t = TestApi.signup();
        as(t).body("v").put("/api/v1/cache/k").then().statusCode(204);
        java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                StringBuilder text = new StringBuilder(String.valueOf(r.getMessage()));
                for (Throwable e = r.getThrown(); e != null; e = e.getCause()) {
                    text.append(" <- ").append(e);
                }
                logged.add(text.toString());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        java.util.Map<Integer, Integer> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<Thread> hammers = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            Thread h = new Thread(() -> {
                while (!done.get()) {
                    io.restassured.response.Response r = switch (n % 3) {
                        case 0 -> as(t).get("/api/v1/tenant");
                        case 1 -> as(t).get("/api/v1/cache/k");
                        default -> as(t).body("v" + n).put("/api/v1/cache/k" + n);
                    };
                    statuses.merge(r.statusCode(), 1, Integer::sum);
                    if (r.statusCode() >= 500 && (r.statusCode() != 503 || r.getHeader("Retry-After") == null)) {
                        failures.add(r.statusCode() + " " + r.asString());
                    }
                }
            });
            h.start();
            hammers.add(h);
        }
        try {
            for (int round = 0; round < 3; round++) {
                Thread.sleep(300);
                restart();
                Eventually.until("the API to answer 200 again", () -> as(t).get("/api/v1/tenant").statusCode() == 200);
            }
        } finally {
            done.set(true);
            for (Thread h : hammers) {
                h.join(30_000);
            }
            Thread.sleep(500);
            root.removeHandler(capture);
        }
        Eventually.until("readiness to answer 200 again", () -> given().get("/q/health/ready").statusCode() == 200);
        org.junit.jupiter.api.Assertions.assertTrue(statuses.getOrDefault(503, 0) > 0, "the outage was seen: " + statuses);
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), failures.stream().distinct().limit(5).toList(),
                "answers during the restarts: " + statuses);
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(),
                logged.stream().filter(l -> l.contains("already complete")).limit(3).toList());
    }

    private static void restart() {
        pgCtl("stop", "-m", "fast");
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        Path log = Path.of(p.get("onebase.db.data-dir")).getParent().resolve("postgres.log");
        pgCtl("start", "-l", log.toString(), "-o", "-p " + p.get("onebase.db.port"));
    }

    private static void pgCtl(String... args) {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(p.get("onebase.db.bin-dir"), "pg_ctl").toString(),
                "-D", p.get("onebase.db.data-dir"), "-w", "-t", "60"));
        cmd.addAll(List.of(args));
        String osUser = EmbeddedPostgres.serverOsUser();
        Processes.run(cmd, osUser, 90);
    }
}
