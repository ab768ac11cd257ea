package dev.onebase.stats;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class UsageTest {

    private static final String PROBLEM = "application/problem+json";

    private static void refresh() {
        asAdmin().post("/admin/jobs/refresh-stats/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
    }

    @Test
    void usageCountsFilesCacheSessionsAndRequests() {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        as(a).contentType("text/plain").body("hello").put("/api/v1/files/docs/a.txt").then().statusCode(201);
        as(a).contentType("text/plain").body("hello, again").put("/api/v1/files/docs/a.txt").then().statusCode(200);
        as(a).contentType("text/plain").body("12345").put("/api/v1/files/b.txt").then().statusCode(201);
        as(a).contentType("application/octet-stream").body("v1".getBytes()).put("/api/v1/cache/k1").then().statusCode(204);
        as(a).contentType("application/octet-stream").body("v2".getBytes()).put("/api/v1/cache/k2").then().statusCode(204);
        as(a).contentType("application/octet-stream").body("gone".getBytes()).put("/api/v1/cache/k3?px=1").then().statusCode(204);
        as(a).contentType(ContentType.JSON).body("{\"userId\":\"u1\"}").post("/api/v1/sessions").then().statusCode(201);
        as(b).contentType("application/octet-stream").body("other".getBytes()).put("/api/v1/cache/k1").then().statusCode(204);
        refresh();
        as(a).get("/api/v1/usage").then().statusCode(200)
                .body("files", equalTo(2))
                .body("bytesStored", equalTo(5 + 12 + 5))
                .body("cacheEntries", equalTo(2))
                .body("liveSessions", equalTo(1))
                .body("requestsLastDay", equalTo(7)); // 3 file uploads (the streaming routes count too), 3 cache writes, 1 session
        as(b).get("/api/v1/usage").then().statusCode(200)
                .body("files", equalTo(0)).body("cacheEntries", equalTo(1)).body("liveSessions", equalTo(0));
        asAdmin().get("/admin/dashboard").then().statusCode(200).body("storageBytesTotal", greaterThanOrEqualTo(22));
    }

    @Test
    void aTenantReadsItsOwnUsageWithTheRefreshTime() {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        as(b).contentType(ContentType.JSON).body("{\"name\":\"second\"}").post("/api/v1/keys").then().statusCode(201);
        refresh();
        String refreshedAt = as(a).get("/api/v1/usage").then().statusCode(200)
                .body("tenantId", equalTo(a.id().toString()))
                .body("counted", equalTo(true))
                .body("apiKeys", equalTo(1))
                .body("files", equalTo(0))
                .body("bytesStored", equalTo(0))
                .body("cacheEntries", equalTo(0))
                .body("liveSessions", equalTo(0))
                .body("requestsLastDay", greaterThanOrEqualTo(0))
                .body("refreshedAt", notNullValue())
                .extract().path("refreshedAt");
        as(b).get("/api/v1/usage").then().statusCode(200)
                .body("tenantId", equalTo(b.id().toString()))
                .body("apiKeys", equalTo(2));
        // the answer is as of the refresh: a key added since does not show until the next one
        as(a).contentType(ContentType.JSON).body("{\"name\":\"later\"}").post("/api/v1/keys").then().statusCode(201);
        as(a).get("/api/v1/usage").then().statusCode(200).body("apiKeys", equalTo(1)).body("refreshedAt", equalTo(refreshedAt));
        refresh();
        as(a).get("/api/v1/usage").then().statusCode(200).body("apiKeys", equalTo(2)).body("refreshedAt", not(equalTo(refreshedAt)));
        assertTrue(OffsetDateTime.parse(as(a).get("/api/v1/usage").then().extract().path("refreshedAt"))
                .isAfter(OffsetDateTime.parse(refreshedAt)));
    }

    @Test
    void aTenantNewerThanTheLastRefreshIsNotCountedYet() {
        refresh();
        Tenant fresh = TestApi.signup();
        as(fresh).get("/api/v1/usage").then().statusCode(200)
                .body("tenantId", equalTo(fresh.id().toString()))
                .body("counted", equalTo(false))
                .body("apiKeys", nullValue())
                .body("refreshedAt", notNullValue());
    }

    @Test
    void tenantACannotReadTenantBsUsageThroughAnyEndpoint() {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        refresh();
        // the tenant route has no way to name another tenant: parameters and paths are ignored or unknown
        as(a).get("/api/v1/usage?tenant=" + b.id()).then().statusCode(200).body("tenantId", equalTo(a.id().toString()));
        as(a).get("/api/v1/usage?tenantId=" + b.id()).then().statusCode(200).body("tenantId", equalTo(a.id().toString()));
        as(a).get("/api/v1/usage/" + b.id()).then().statusCode(404).contentType(PROBLEM);
        // the admin routes refuse a tenant key
        as(a).get("/admin/usage").then().statusCode(401).contentType(PROBLEM);
        as(a).get("/admin/dashboard").then().statusCode(401).contentType(PROBLEM);
        as(a).post("/admin/jobs/refresh-stats/run").then().statusCode(401).contentType(PROBLEM);
        // no key at all
        given().get("/api/v1/usage").then().statusCode(401).contentType(PROBLEM);
    }

    @Test
    void theRequestRoleCannotReadTheViewsDirectlyAndTheFunctionFollowsTheTenantSetting() throws SQLException {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        refresh();
        try (Connection c = Db.app(); Statement st = c.createStatement()) {
            for (String view : List.of("tenant_usage", "dashboard_stats")) {
                SQLException denied = assertThrows(SQLException.class, () -> st.executeQuery("select * from " + view).close());
                assertEquals("42501", denied.getSQLState(), view);
            }
            try (ResultSet rs = st.executeQuery("select count(*) from tenant_usage_current()")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "no tenant set: no row");
            }
            c.setAutoCommit(false);
            st.execute("select set_config('app.tenant_id', '" + a.id() + "', true)");
            List<String> seen = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("select tenant_id from tenant_usage_current()")) {
                while (rs.next()) {
                    seen.add(rs.getString(1));
                }
            }
            assertEquals(List.of(a.id().toString()), seen);
            c.rollback();
            // refreshing is allowed (through the definer function), changing the bookkeeping is not
            SQLException readOnly = assertThrows(SQLException.class,
                    () -> st.executeUpdate("update stats_refreshes set refreshed_at = now()"));
            assertEquals("42501", readOnly.getSQLState());
            c.rollback();
        }
        assertFalse(b.id().equals(a.id()));
    }

    @Test
    void adminsSeeEveryTenantsUsageAndTheDashboard() {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        as(a).get("/api/v1/tenant").then().statusCode(200); // a key used today
        refresh();
        asAdmin().get("/admin/usage?limit=500").then().statusCode(200)
                .body("items.tenantId", hasItems(a.id().toString(), b.id().toString()))
                .body("items.find { it.slug == '" + a.slug() + "' }.apiKeys", equalTo(1))
                .body("items.find { it.slug == '" + a.slug() + "' }.plan", equalTo("free"))
                .body("items.find { it.slug == '" + a.slug() + "' }.status", equalTo("active"))
                .body("refreshedAt", notNullValue());
        String next = asAdmin().get("/admin/usage?limit=1").then().statusCode(200)
                .body("items.size()", equalTo(1)).body("next", notNullValue()).extract().path("next");
        asAdmin().get("/admin/usage?limit=1&after=" + next).then().statusCode(200)
                .body("items[0].slug", not(equalTo(next)));
        asAdmin().get("/admin/dashboard").then().statusCode(200)
                .body("tenantsTotal", greaterThanOrEqualTo(2))
                .body("tenantsActive", greaterThanOrEqualTo(2))
                .body("newThisWeek", greaterThanOrEqualTo(2))
                .body("activeToday", greaterThanOrEqualTo(1))
                .body("storageBytesTotal", greaterThanOrEqualTo(0))
                .body("refreshedAt", notNullValue());
    }

    @Test
    void badAdminQueriesGetProblems() {
        asAdmin().get("/admin/usage?limit=lots").then().statusCode(400).contentType(PROBLEM)
                .body("detail", equalTo("limit must be a number"));
        asAdmin().get("/admin/usage?limit=0").then().statusCode(400).contentType(PROBLEM)
                .body("detail", equalTo("limit must be between 1 and 500"));
        asAdmin().get("/admin/usage?limit=501").then().statusCode(400).contentType(PROBLEM);
        asAdmin().post("/admin/dashboard").then().statusCode(405).contentType(PROBLEM);
        given().get("/admin/dashboard").then().statusCode(401).contentType(PROBLEM);
    }

    /**
     * A refresh holds the view while it computes; CONCURRENTLY means it takes an EXCLUSIVE lock, which lets readers
     * through. The refresh is kept open in a transaction while reads go through every endpoint.
     */
    @Test
    void readsKeepAnsweringWhileARefreshIsInProgress() throws Exception {
        Tenant a = TestApi.signup();
        refresh();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection refresher = Db.superuser(); Statement st = refresher.createStatement()) {
            refresher.setAutoCommit(false);
            st.execute("refresh materialized view concurrently tenant_usage");
            st.execute("refresh materialized view concurrently dashboard_stats");
            try (ResultSet rs = st.executeQuery("select string_agg(distinct l.mode, ',') from pg_locks l "
                    + "where l.relation in ('tenant_usage'::regclass, 'dashboard_stats'::regclass) and l.pid = pg_backend_pid()")) {
                rs.next();
                assertFalse(rs.getString(1).contains("AccessExclusiveLock"), rs.getString(1));
            }
            // the refresh is still open: each read must answer (a blocked read would never return)
            Future<Integer> own = pool.submit(() -> as(a).get("/api/v1/usage").then().extract().statusCode());
            Future<Integer> all = pool.submit(() -> asAdmin().get("/admin/usage").then().extract().statusCode());
            assertEquals(200, own.get(30, TimeUnit.SECONDS));
            assertEquals(200, all.get(30, TimeUnit.SECONDS));
            assertEquals(200, pool.submit(() -> asAdmin().get("/admin/dashboard").then().extract().statusCode()).get(30, TimeUnit.SECONDS));
            refresher.commit();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readsDuringRepeatedRefreshJobsAllSucceed() throws Exception {
        List<Tenant> tenants = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tenants.add(TestApi.signup());
        }
        refresh();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService readers = Executors.newFixedThreadPool(3);
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (Tenant t : tenants) {
            loops.add(CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    var r = as(t).get("/api/v1/usage").then().extract();
                    if (r.statusCode() != 200 || !t.id().toString().equals(r.path("tenantId"))) {
                        failures.add(r.statusCode() + " " + r.asString());
                    }
                    reads.incrementAndGet();
                }
            }, readers));
        }
        try {
            for (int i = 0; i < 5; i++) {
                refresh();
            }
        } finally {
            stop.set(true);
            CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            readers.shutdownNow();
        }
        assertEquals(List.of(), failures);
        assertTrue(reads.get() > 0);
    }
}
