package dev.onebase.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.EmbeddedDatabaseResource;
import dev.onebase.testsupport.Eventually;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * A replica killed (SIGKILL) while its job's statement runs: PostgreSQL must cancel that statement and free the job's
 * lock within about a second, so another replica never runs the job while the dead one's work goes on.
 */
@QuarkusTest
class DeadReplicaTest {

    @Inject
    Pool pool;

    @Test
    void aKilledReplicasStatementStopsAndItsLockIsFreedWithinSeconds() throws Exception {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        String app = "dying-replica-" + System.nanoTime();
        Path out = Files.createTempFile("dying-replica", ".log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DyingReplica.class.getName(),
                p.get("quarkus.datasource.reactive.url"), p.get("quarkus.datasource.username"), p.get("quarkus.datasource.password"), app)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            Eventually.until("the other replica's job statement to run", () -> {
                assertTrue(child.isAlive(), () -> "the other replica stopped: " + read(out));
                return running(app) == 1;
            });
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        long killed = System.nanoTime();
        Eventually.until("the dead replica's statement to end", () -> running(app) == 0);
        long goneMs = (System.nanoTime() - killed) / 1_000_000;
        assertTrue(goneMs < 3000, "the dead replica's statement ran on for " + goneMs + " ms");
        try (Connection c = Db.superuser()) {
            assertEquals(1, Db.count(c, "select count(*) from (select pg_try_advisory_lock(hashtext('onebase.job'), hashtext(?)) as got) l where got",
                    DyingReplica.JOB), "the job's lock is free for another replica");
        }
    }

    @Test
    void theRequestPoolIsWatchedByTheServerToo() {
        String interval = pool.query("show client_connection_check_interval").execute().await().atMost(Duration.ofSeconds(10))
                .iterator().next().getString(0);
        assertEquals("1s", interval);
    }

    private static long running(String app) {
        return Db.count("select count(*) from pg_stat_activity where application_name = ? and query like '%pg_sleep(60)%' and state = 'active'", app);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
