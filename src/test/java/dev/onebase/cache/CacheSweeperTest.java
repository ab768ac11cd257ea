package dev.onebase.cache;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class CacheSweeperTest {

    @Inject
    CacheSweeper sweeper;

    record Context(boolean cancelled) implements JobContext {
        public long runId() {
            return 1;
        }

        public String replica() {
            return "test";
        }

        public void progress(long done, long total) {
        }
    }

    @Test
    void deletesExpiredEntriesSessionsAndIdleBucketsOfEveryTenantAndKeepsTheLiveOnes() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        for (Tenant t : new Tenant[] {a, b}) {
            StringBuilder body = new StringBuilder("{\"entries\":[");
            for (int i = 0; i < 150; i++) {
                body.append(i == 0 ? "" : ",").append("{\"key\":\"gone").append(i).append("\",\"value\":\"v\",\"ttlMs\":200}");
            }
            as(t).contentType(ContentType.JSON).body(body + ",{\"key\":\"stays\",\"value\":\"v\"},{\"key\":\"later\",\"value\":\"v\",\"ttlMs\":600000}]}")
                    .post("/api/v1/cache/_batch/set").then().statusCode(204);
            as(t).contentType(ContentType.JSON).body("{\"userId\":\"u\",\"idleTimeoutSeconds\":1}").post("/api/v1/sessions").then().statusCode(201);
            as(t).contentType(ContentType.JSON).body("{\"userId\":\"u\"}").post("/api/v1/sessions").then().statusCode(201);
            as(t).contentType(ContentType.JSON).body("{\"limit\":10,\"periodMs\":100}").post("/api/v1/rate-limits/short/consume").then().statusCode(200);
            as(t).contentType(ContentType.JSON).body("{\"limit\":10,\"periodMs\":3600000}").post("/api/v1/rate-limits/long/consume").then().statusCode(200);
        }
        // a second and a half later, for these two tenants
        for (String table : new String[] {"cache_entries", "sessions", "rate_limits"}) {
            Db.passTime(table, Duration.ofMillis(1500), "tenant_id in (?, ?)", a.id(), b.id());
        }
        // a cancelled run stops before its first batch
        assertEquals(0, sweeper.run(new Context(true)).await().atMost(Duration.ofSeconds(30)).rowsAffected());
        JobResult result = sweeper.run(new Context(false)).await().atMost(Duration.ofSeconds(60));
        // other tests of this JVM may leave expired rows too: at least ours went
        assertTrue(result.rowsAffected() >= 2 * (150 + 1 + 1), result.detail());
        try (Connection c = Db.superuser()) {
            for (Tenant t : new Tenant[] {a, b}) {
                assertEquals(2, Db.count(c, "select count(*) from cache_entries where tenant_id = ?", t.id()));
                assertEquals(2, Db.count(c, "select entries from cache_usage where tenant_id = ?", t.id()));
                assertEquals(1, Db.count(c, "select count(*) from sessions where tenant_id = ?", t.id()));
                // the request limiter's own bucket is busy too, so it stays with the long one
                assertEquals(0, Db.count(c, "select count(*) from rate_limits where tenant_id = ? and key = 'u:short'", t.id()));
                assertEquals(1, Db.count(c, "select count(*) from rate_limits where tenant_id = ? and key = 'u:long'", t.id()));
            }
            assertEquals(0, Db.count(c, "select count(*) from cache_entries where expires_at <= now()"));
        }
        as(a).get("/api/v1/cache/stays").then().statusCode(200);
    }

    @Test
    void smallBatchesStillFinishTheJob() throws Exception {
        Tenant t = TestApi.signup();
        StringBuilder body = new StringBuilder("{\"entries\":[");
        for (int i = 0; i < 300; i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\":\"e").append(i).append("\",\"value\":\"v\",\"ttlMs\":100}");
        }
        as(t).contentType(ContentType.JSON).body(body + "]}").post("/api/v1/cache/_batch/set").then().statusCode(204);
        Db.passTime("cache_entries", Duration.ofMillis(300), "tenant_id = ?", t.id());
        sweeper.run(new Context(false)).await().atMost(Duration.ofSeconds(60));
        try (Connection c = Db.superuser()) {
            assertEquals(0, Db.count(c, "select count(*) from cache_entries where tenant_id = ?", t.id()));
        }
    }

    /**
     * Whatever makes a batch slow (stale statistics, a busy disk; here a trigger that sleeps on one row), the sweeper
     * must not hold an expired row a request wants for longer than its statement timeout (500 ms by default): the
     * batch gives up, its locks go, and the request proceeds.
     */
    @Test
    void aSlowBatchNeverHoldsARowARequestWaitsFor() throws Exception {
        Tenant t = TestApi.signup();
        String slow = "slow-" + System.nanoTime();
        as(t).body("v").put("/api/v1/cache/victim?px=100").then().statusCode(204);
        as(t).body("v").put("/api/v1/cache/" + slow + "?px=100").then().statusCode(204);
        Db.passTime("cache_entries", Duration.ofSeconds(20), "tenant_id = ? and key = 'victim'", t.id());
        Db.passTime("cache_entries", Duration.ofSeconds(1), "tenant_id = ? and key = ?", t.id(), slow);
        Db.update("create or replace function test_slow_delete() returns trigger language plpgsql as "
                + "$$ begin perform pg_sleep(5); return old; end $$");
        Db.update("create trigger test_slow_delete before delete on cache_entries for each row when (old.key = '" + slow + "') "
                + "execute function test_slow_delete()");
        try {
            var run = sweeper.run(new Context(false)).subscribeAsCompletionStage();
            Eventually.until("the sweeper to be in its slow batch",
                    () -> Db.count("select count(*) from pg_stat_activity where wait_event = 'PgSleep'") > 0);
            long started = System.nanoTime();
            as(t).body("new").put("/api/v1/cache/victim").then().statusCode(204);
            long waitedMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(waitedMs < 1500, "the request waited " + waitedMs + " ms for the sweeper");
            run.toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            Db.update("drop trigger test_slow_delete on cache_entries");
            Db.update("drop function test_slow_delete()");
        }
        as(t).get("/api/v1/cache/victim").then().statusCode(200);
    }
}
