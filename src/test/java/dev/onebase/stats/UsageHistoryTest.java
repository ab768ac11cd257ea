package dev.onebase.stats;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.Problems;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Usage over time: requests per minute and day sampled from the request limit's counts, storage, retention. */
@QuarkusTest
class UsageHistoryTest {

    private static void run(String job) {
        asAdmin().post("/admin/jobs/" + job + "/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
    }

    /** The tenant's requests in its history at this resolution, as the admin API answers (admin calls count for no tenant). */
    private static long requests(Tenant t, String resolution) {
        JsonPath h = asAdmin().get("/admin/usage/" + t.id() + "/history?resolution=" + resolution).then().statusCode(200)
                .body("tenantId", equalTo(t.id().toString())).body("resolution", equalTo(resolution)).extract().jsonPath();
        List<Integer> counts = h.getList("points.requests", Integer.class);
        return counts.stream().mapToLong(Integer::longValue).sum();
    }

    private static void put(Tenant t, int n) {
        for (int i = 0; i < n; i++) {
            as(t).contentType("application/octet-stream").body(new byte[] {1}).put("/api/v1/cache/h" + i).then().statusCode(204);
        }
    }

    @Test
    void requestsShowUpPerMinuteAndPerDayOnceSampled() {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        put(a, 5);
        put(b, 2);
        assertEquals(0, requests(a, "minute"), "nothing before the sampling job ran");
        // the job writes this replica's counts first; a periodic flush in flight may land just after it: run it again
        Eventually.until("a's 5 requests are sampled", () -> {
            run("sample-usage");
            return requests(a, "minute") == 5;
        });
        assertEquals(5, requests(a, "day"));
        JsonPath minutes = asAdmin().get("/admin/usage/" + a.id() + "/history").then().statusCode(200).extract().jsonPath();
        assertEquals(60, minutes.getList("points").size(), "the last hour, a point per minute");

        // sampling again adds nothing: a minute sampled twice counts once, in its minute and in its day
        run("sample-usage");
        assertEquals(5, requests(a, "minute"));
        assertEquals(5, requests(a, "day"));
        put(a, 3);
        Eventually.until("a's 3 more requests are sampled", () -> {
            run("sample-usage");
            return requests(a, "minute") == 8;
        });
        assertEquals(8, requests(a, "day"));

        // a tenant reads its own history, never another's
        Eventually.until("b's requests are sampled", () -> requests(b, "minute") == 2);
        JsonPath own = as(b).get("/api/v1/usage/history?resolution=day").then().statusCode(200)
                .body("tenantId", equalTo(b.id().toString())).extract().jsonPath();
        assertEquals(2, own.getList("points.requests", Integer.class).stream().mapToInt(Integer::intValue).sum());
        assertEquals(30, own.getList("points").size(), "the last 30 days, a point per day");
    }

    @Test
    void storageIsRecordedWhenItChanges() {
        Tenant t = TestApi.signup();
        as(t).contentType("text/plain").body("hello").put("/api/v1/files/h.txt").then().statusCode(201);
        run("refresh-stats");
        assertEquals(5, lastStorage(t, "minute"));
        assertEquals(5, lastStorage(t, "day"));
        run("refresh-stats"); // unchanged: nothing more written
        assertEquals(2, Db.count("select count(*) from usage_history where tenant_id = ? and bytes_stored is not null", t.id()));
        as(t).contentType("text/plain").body("hello, world").put("/api/v1/files/h.txt").then().statusCode(200);
        run("refresh-stats");
        assertEquals(5 + 12, lastStorage(t, "day"), "the file and its kept version");
        // a range that starts after the last record carries the storage forward
        String from = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusSeconds(600).toString();
        String to = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusSeconds(1200).toString();
        List<Integer> later = asAdmin().get("/admin/usage/" + t.id() + "/history?from=" + from + "&to=" + to).then().statusCode(200)
                .extract().jsonPath().getList("points.bytesStored", Integer.class);
        assertEquals(10, later.size());
        assertTrue(later.stream().allMatch(b -> b == 17), later.toString());
    }

    private static long lastStorage(Tenant t, String resolution) {
        List<Integer> all = asAdmin().get("/admin/usage/" + t.id() + "/history?resolution=" + resolution).then().statusCode(200)
                .extract().jsonPath().getList("points.bytesStored", Integer.class);
        return all.get(all.size() - 1);
    }

    @Test
    void retentionPurgesMinutesAfter48HoursAndDaysAfter400Days() {
        Tenant t = TestApi.signup();
        put(t, 2);
        Eventually.until("the requests are sampled", () -> {
            run("sample-usage");
            return requests(t, "minute") == 2;
        });
        String mine = "tenant_id = ?";
        long minutes = Db.count("select count(*) from usage_history where tenant_id = ? and resolution = 'minute'", t.id());
        assertTrue(minutes >= 1);
        Db.passTime("usage_history", Duration.ofHours(47), mine, t.id());
        run("prune-usage-history");
        assertEquals(minutes, Db.count("select count(*) from usage_history where tenant_id = ? and resolution = 'minute'", t.id()),
                "47 hours old: kept");
        Db.passTime("usage_history", Duration.ofHours(2), mine, t.id());
        run("prune-usage-history");
        assertEquals(0, Db.count("select count(*) from usage_history where tenant_id = ? and resolution = 'minute'", t.id()),
                "49 hours old: gone");
        assertEquals(1, Db.count("select count(*) from usage_history where tenant_id = ? and resolution = 'day'", t.id()),
                "the day row stays");
        Db.passTime("usage_history", Duration.ofDays(396), mine, t.id());
        run("prune-usage-history");
        assertEquals(1, Db.count("select count(*) from usage_history where tenant_id = ? and resolution = 'day'", t.id()),
                "396 days and some hours old: kept");
        Db.passTime("usage_history", Duration.ofDays(4), mine, t.id());
        run("prune-usage-history");
        assertEquals(0, Db.count("select count(*) from usage_history where tenant_id = ?", t.id()), "past 400 days: gone");
    }

    @Test
    void badRangesAreProblems() {
        Tenant t = TestApi.signup();
        Problems.problem(as(t).get("/api/v1/usage/history?resolution=hour").then(), 400, "resolution must be 'minute' or 'day'");
        Problems.problem(as(t).get("/api/v1/usage/history?from=yesterday").then(), 400);
        Problems.problem(as(t).get("/api/v1/usage/history?from=2026-01-01T00:00:00Z&to=2026-01-04T00:00:00Z").then(), 400,
                "A minute history covers 48 hours at most");
        Problems.problem(as(t).get("/api/v1/usage/history?resolution=day&from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z").then(), 400);
        Problems.problem(as(t).get("/api/v1/usage/history?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z").then(), 400,
                "from must be before to");
        Problems.problem(asAdmin().get("/admin/usage/not-a-uuid/history").then(), 400);
        Problems.problem(as(t).get("/admin/usage/" + t.id() + "/history").then(), 401);
    }

    @Test
    void theRequestRoleSeesNoHistoryWithoutATenantAndWritesNone() throws SQLException {
        Tenant t = TestApi.signup();
        put(t, 1);
        Eventually.until("sampled", () -> {
            run("sample-usage");
            return requests(t, "minute") == 1;
        });
        try (Connection app = Db.app()) {
            assertEquals(0, Db.count(app, "select count(*) from usage_history"));
            assertThrows(RuntimeException.class, () -> Db.exec(app,
                    "insert into usage_history (tenant_id, resolution, bucket_start) values (?, 'day', now())", t.id()));
        }
    }
}
