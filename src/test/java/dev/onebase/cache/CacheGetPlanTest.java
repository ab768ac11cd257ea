package dev.onebase.cache;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every HTTP and RESP GET goes through {@code cache_get_many}: its query must be planned once per connection, not once
 * per call. V21's body was planned again at every call (PL/pgSQL kept choosing a plan for the call's own keys), which
 * cost PostgreSQL about as much as the read itself (bench/README.md#cache). PostgreSQL reports each planning with
 * {@code log_planner_stats}; the test counts those reports for 10 and for 40 calls, each in a session of its own.
 */
@QuarkusTest
class CacheGetPlanTest {

    @Test
    void theBatchedGetIsPlannedOncePerConnectionWhateverTheNumberOfCalls() throws Exception {
        Tenant tenant = TestApi.signup();
        for (int i = 1; i <= 3; i++) {
            as(tenant).body("v" + i).put("/api/v1/cache/plan:" + i).then().statusCode(204);
        }
        // A tenant with keys enough for the planner to tell a probe per key from a scan of them all, as in production.
        Db.exec("insert into cache_entries (tenant_id, key, value) select ?, 'filler:' || g, '\\x00' from generate_series(1, 2000) g", tenant.id());
        Db.exec("analyze cache_entries");

        Calls ten = call(tenant, 10);
        assertEquals(10 * 2, ten.found(), "each call finds its two stored keys of three asked");
        Calls forty = call(tenant, 40);
        assertEquals(40 * 2, forty.found());
        long plansFor10 = ten.plans();
        long plansFor40 = forty.plans();

        assertTrue(plansFor10 > 0, "PostgreSQL reported no planning at all: the count would prove nothing");
        // V21's body planned once more per call (37 against 67). A few are allowed: an ANALYZE by autovacuum or another
        // catalog change in between rightly makes PostgreSQL plan again.
        assertTrue(plansFor40 - plansFor10 <= 3,
                "30 more calls planned " + (plansFor40 - plansFor10) + " more times (" + plansFor10 + " for 10 calls, " + plansFor40 + " for 40)");
    }

    /** What a session of the request role that called cache_get_many some times found, and how often it planned. */
    private record Calls(int found, long plans) {
    }

    private static Calls call(Tenant tenant, int calls) throws Exception {
        try (Connection c = Db.superuser(); Statement setup = c.createStatement()) {
            setup.execute("set log_planner_stats = on");
            setup.execute("set client_min_messages = log");
            setup.execute("set role " + Db.appRole());
            try (PreparedStatement ps = c.prepareStatement(
                    "select count(*) from generate_series(1, ?) g, lateral cache_get_many(?, array['plan:1', 'plan:missing', 'plan:' || (g % 2 + 2)]) x")) {
                ps.setInt(1, calls);
                ps.setObject(2, tenant.id());
                int found;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    found = rs.getInt(1);
                }
                long plans = 0;
                SQLWarning first = ps.getWarnings() != null ? ps.getWarnings() : c.getWarnings();
                for (SQLWarning w = first; w != null; w = w.getNextWarning()) {
                    if (w.getMessage().contains("PLANNER STATISTICS")) {
                        plans++;
                    }
                }
                return new Calls(found, plans);
            }
        }
    }
}
