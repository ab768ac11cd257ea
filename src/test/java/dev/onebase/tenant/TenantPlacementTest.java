package dev.onebase.tenant;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.onebase.db.RlsAudit;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Problems;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Tenant placement (docs/tenants.md#placement): promotion to a schema of its own and demotion back, online, under
 * traffic; an interrupted move; isolation in both placements; the audit and the shape check of dedicated schemas.
 */
@QuarkusTest
class TenantPlacementTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    static Map<String, Object> moveAndWait(Tenant t, String target) {
        return waitForMove(t, start(t, target));
    }

    /** Asks for a move; the answer as it came. */
    static Response startMove(Tenant t, String target) {
        return asAdmin().contentType(ContentType.JSON).body("{\"placement\":\"" + target + "\"}").post("/admin/tenants/" + t.id() + "/placement");
    }

    /** Starts a move (202) and gives its id. */
    static long start(Tenant t, String target) {
        Response started = startMove(t, target);
        assertEquals(202, started.statusCode(), started.asString());
        return ((Number) started.path("id")).longValue();
    }

    /** A new tenant on the enterprise plan with {@code rows} cache entries. */
    static Tenant seeded(int rows) {
        Tenant a = TestApi.signup();
        asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}").put("/admin/tenants/" + a.id() + "/plan").then().statusCode(200);
        Db.exec("insert into cache_entries (tenant_id, key, value) select ?, 'k' || g, convert_to('v' || g, 'UTF8') from generate_series(1, ?) g",
                a.id(), rows);
        return a;
    }

    static Map<String, Object> waitForMove(Tenant t, long id) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Object> last = asAdmin().get("/admin/tenants/" + t.id() + "/placement").then().statusCode(200).extract().path("lastMove");
            if (last != null && ((Number) last.get("id")).longValue() == id && !"running".equals(last.get("status"))) {
                return last;
            }
            sleep(50);
        }
        throw new AssertionError("move " + id + " did not end");
    }

    static String schema(Tenant t) {
        return TenantPlacement.schemaName(t.id());
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void promotionAndDemotionUnderConcurrentTrafficLoseNothingAndFailNothing() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}").put("/admin/tenants/" + a.id() + "/plan").then().statusCode(200);
        for (Tenant t : List.of(a, b)) {
            for (int i = 0; i < 50; i++) {
                as(t).contentType(ContentType.TEXT).body(t.slug() + "-" + i).put("/api/v1/cache/seed-" + i).then().statusCode(204);
            }
        }
        byte[] big = bytes(1_500_000, 7);
        String bigId = as(a).contentType("application/octet-stream").body(big).put("/api/v1/files/seed/big.bin").then().statusCode(org.hamcrest.Matchers.lessThan(300))
                .extract().path("id");
        String smallId = as(a).contentType(ContentType.TEXT).body("small file").put("/api/v1/files/seed/small.txt").then().statusCode(org.hamcrest.Matchers.lessThan(300))
                .extract().path("id");
        String token = as(a).contentType(ContentType.JSON).body("{\"userId\":\"alice\",\"data\":{\"cart\":3}}").post("/api/v1/sessions")
                .then().statusCode(201).extract().path("token");
        as(a).contentType(ContentType.JSON).body("{\"enabled\":true,\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"on\",\"offVariant\":\"off\"}")
                .put("/api/v1/flags/checkout").then().statusCode(org.hamcrest.Matchers.lessThan(300));
        long historyBefore = Db.count("select count(*) from feature_flag_history where tenant_id = ?", a.id());

        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger requests = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int worker = w;
            running.add(threads.submit(() -> {
                int i = 0;
                while (!stop.get()) {
                    i++;
                    try {
                        traffic(a, worker, i, bigId, big, smallId, token, failures);
                        requests.addAndGet(6);
                    } catch (RuntimeException | AssertionError e) {
                        failures.add("worker " + worker + ": " + e);
                    }
                }
            }));
        }
        sleep(500);
        Map<String, Object> up = moveAndWait(a, "schema");
        assertEquals("succeeded", up.get("status"), up.toString());
        assertNotNull(up.get("pauseMs"));
        sleep(500);
        asAdmin().get("/admin/tenants/" + a.id() + "/placement").then().statusCode(200)
                .body("placement", org.hamcrest.Matchers.equalTo("schema")).body("schema", org.hamcrest.Matchers.equalTo(schema(a)));
        assertEquals(0, Db.count("select count(*) from public.cache_entries where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from public.files where tenant_id = ?", a.id()));
        assertTrue(Db.count("select count(*) from " + schema(a) + ".cache_entries") >= 50);
        assertEquals(2, Db.count("select count(*) from " + schema(a) + ".files where folder = 'seed/'"));
        assertEquals(1, Db.count("select count(*) from " + schema(a) + ".feature_flags"));
        assertEquals(historyBefore, Db.count("select count(*) from " + schema(a) + ".feature_flag_history"));

        // a write in the schema draws identities that cannot meet the shared table's
        as(a).contentType(ContentType.JSON).body("{\"enabled\":false,\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"on\",\"offVariant\":\"off\"}")
                .put("/api/v1/flags/checkout").then().statusCode(org.hamcrest.Matchers.lessThan(300));

        Map<String, Object> down = moveAndWait(a, "shared");
        assertEquals("succeeded", down.get("status"), down.toString());
        sleep(300);
        stop.set(true);
        for (Future<?> f : running) {
            f.get();
        }
        threads.shutdown();
        assertTrue(failures.isEmpty(), () -> failures.size() + " failed requests of " + requests.get() + ": "
                + failures.stream().map(f -> f.length() > 160 ? f.substring(0, 160) : f).distinct().limit(5).toList());
        assertTrue(requests.get() > 50, "traffic ran: " + requests.get());

        assertEquals(0, Db.count("select count(*) from " + schema(a) + ".cache_entries"));
        assertEquals(0, Db.count("select count(*) from " + schema(a) + ".files"));
        for (int i = 0; i < 50; i++) {
            for (Tenant t : List.of(a, b)) {
                assertEquals(t.slug() + "-" + i, as(t).get("/api/v1/cache/seed-" + i).then().statusCode(200).extract().asString());
            }
        }
        assertArrayEquals(big, as(a).get("/api/v1/files/" + bigId + "/content").then().statusCode(200).extract().asByteArray());
        as(a).header("X-Session-Token", token).get("/api/v1/sessions/current").then().statusCode(200);
        assertEquals(historyBefore + 1, Db.count("select count(*) from feature_flag_history where tenant_id = ?", a.id()));
        // the cache counter followed the rows: no double count left behind
        assertEquals(Db.count("select count(*) from cache_entries where tenant_id = ?", a.id()),
                Db.count("select entries from cache_usage where tenant_id = ?", a.id()));
    }

    private static void traffic(Tenant a, int worker, int i, String bigId, byte[] big, String smallId, String token,
            ConcurrentLinkedQueue<String> failures) {
        String key = "w" + worker + "-" + (i % 20);
        String value = "v" + worker + "-" + i;
        expect(failures, "SET", as(a).contentType(ContentType.TEXT).body(value).put("/api/v1/cache/" + key), 204);
        Response get = as(a).get("/api/v1/cache/" + key);
        if (expect(failures, "GET", get, 200) && !value.equals(get.asString())) {
            failures.add("GET " + key + " gave " + get.asString() + ", not " + value);
        }
        String seed = "seed-" + (i % 50);
        Response seeded = as(a).get("/api/v1/cache/" + seed);
        if (expect(failures, "GET seed", seeded, 200) && !seeded.asString().equals(a.slug() + "-" + (i % 50))) {
            failures.add("GET " + seed + " gave " + seeded.asString());
        }
        if (worker != 0) {
            // uploads and downloads from one worker only: the test profile allows one transfer per tenant at a time (429)
            expect(failures, "session", as(a).header("X-Session-Token", token).get("/api/v1/sessions/current"), 200);
            expect(failures, "flag", as(a).get("/api/v1/flags/checkout"), 200);
            return;
        }
        Response down = i % 5 == 0 ? as(a).get("/api/v1/files/" + bigId + "/content") : as(a).get("/api/v1/files/" + smallId + "/content");
        if (expect(failures, "download", down, 200)) {
            byte[] want = i % 5 == 0 ? big : "small file".getBytes(StandardCharsets.UTF_8);
            if (!java.util.Arrays.equals(want, down.asByteArray())) {
                failures.add("download gave " + down.asByteArray().length + " bytes");
            }
        }
        expect(failures, "upload", as(a).contentType(ContentType.TEXT).body("up " + i).put("/api/v1/files/w" + worker + "/f" + (i % 5) + ".txt"), 201, 200);
        expect(failures, "session", as(a).header("X-Session-Token", token).get("/api/v1/sessions/current"), 200);
        expect(failures, "flag", as(a).get("/api/v1/flags/checkout"), 200);
    }

    private static boolean expect(ConcurrentLinkedQueue<String> failures, String what, Response r, int... statuses) {
        for (int s : statuses) {
            if (r.statusCode() == s) {
                return true;
            }
        }
        failures.add(what + ": " + r.statusCode() + " " + r.asString());
        return false;
    }

    @Test
    void anInterruptedPromotionLeavesTheTenantWholeInTheSharedTables() throws Exception {
        Tenant a = TestApi.signup();
        asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}").put("/admin/tenants/" + a.id() + "/plan").then().statusCode(200);
        Db.exec("insert into cache_entries (tenant_id, key, value) select ?, 'k' || g, convert_to('v' || g, 'UTF8') from generate_series(1, 2000) g", a.id());
        as(a).contentType(ContentType.JSON).body("{\"userId\":\"bob\",\"data\":{}}").post("/api/v1/sessions").then().statusCode(201);
        // the schema exists before the move (as a promotion makes it first); an uncommitted row there with the key of
        // the tenant's session stalls the move's copy of the sessions (the unique check waits for that transaction), so
        // it can be cancelled mid-way, after it copied the cache
        Db.exec("select tenant_schema_sync(?)", a.id());
        long id;
        try (Connection blocker = Db.superuser(); Statement st = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            st.execute("insert into " + schema(a) + ".sessions select * from public.sessions where tenant_id = '" + a.id() + "'");
            Response started = asAdmin().contentType(ContentType.JSON).body("{\"placement\":\"schema\"}").post("/admin/tenants/" + a.id() + "/placement");
            assertEquals(202, started.statusCode(), started.asString());
            id = ((Number) started.path("id")).longValue();
            long deadline = System.nanoTime() + WAIT.toNanos();
            Integer pid = null;
            while (System.nanoTime() < deadline) {
                Object p = Db.value("select m.backend_pid from tenant_placement_moves m join pg_stat_activity a on a.pid = m.backend_pid "
                        + "where m.id = ? and a.wait_event_type = 'Lock' and a.query like '%tenant_move_copy%'", id);
                if (p != null) {
                    pid = ((Number) p).intValue();
                    break;
                }
                sleep(20);
            }
            assertNotNull(pid, "the move reached the locked table");
            Map<String, Object> during = asAdmin().get("/admin/tenants/" + a.id() + "/placement").then().statusCode(200).extract().path("lastMove");
            assertEquals("running", during.get("status"));
            assertTrue(((Number) during.get("rowsMoved")).longValue() >= 2000, "progress shows the rows copied so far: " + during);
            assertEquals(Boolean.TRUE, Db.value("select pg_cancel_backend(?)", pid));
            blocker.rollback();
        }
        Map<String, Object> end = waitForMove(a, id);
        assertEquals("failed", end.get("status"), end.toString());
        asAdmin().get("/admin/tenants/" + a.id() + "/placement").then().statusCode(200).body("placement", org.hamcrest.Matchers.equalTo("shared"));
        assertEquals(2000, Db.count("select count(*) from public.cache_entries where tenant_id = ?", a.id()));
        assertEquals(1, Db.count("select count(*) from public.sessions where tenant_id = ?", a.id()));
        assertEquals(0, Db.count("select count(*) from " + schema(a) + ".cache_entries"));
        assertEquals(2000, Db.count("select entries from cache_usage where tenant_id = ?", a.id()));
        assertEquals("v1999", as(a).get("/api/v1/cache/k1999").then().statusCode(200).extract().asString());

        // and a second try goes through
        assertEquals("succeeded", moveAndWait(a, "schema").get("status"));
        assertEquals(2000, Db.count("select count(*) from " + schema(a) + ".cache_entries"));
        assertEquals("v1999", as(a).get("/api/v1/cache/k1999").then().statusCode(200).extract().asString());
    }

    @Test
    void tenantsInEitherPlacementSeeOnlyTheirOwnRows() throws Exception {
        Tenant placed = TestApi.signup();
        Tenant shared = TestApi.signup();
        for (Tenant t : List.of(placed, shared)) {
            as(t).contentType(ContentType.TEXT).body("mine:" + t.slug()).put("/api/v1/cache/same-key").then().statusCode(204);
            as(t).contentType(ContentType.TEXT).body("file of " + t.slug()).put("/api/v1/files/docs/same.txt").then().statusCode(org.hamcrest.Matchers.lessThan(300));
        }
        assertEquals("succeeded", moveAndWait(placed, "schema").get("status"));
        // alternating reads over the same shared connections: each answered from its own placement (plans are not
        // reused across search_path values)
        for (int i = 0; i < 40; i++) {
            Tenant t = i % 2 == 0 ? placed : shared;
            assertEquals("mine:" + t.slug(), as(t).get("/api/v1/cache/same-key").then().statusCode(200).extract().asString());
            List<String> names = as(t).get("/api/v1/files?folder=docs").then().statusCode(200).extract().path("items.name");
            assertEquals(List.of("same.txt"), names);
        }
        String placedFile = as(placed).get("/api/v1/files?folder=docs").then().statusCode(200).extract().path("items[0].id");
        Problems.problem(as(shared).get("/api/v1/files/" + placedFile + "/content").then(), 404);

        try (Connection app = Db.app(); Statement st = app.createStatement()) {
            // as the request role with no tenant set: nothing in either placement
            assertEquals(0, count(st, "select count(*) from " + schema(placed) + ".cache_entries"));
            assertEquals(0, count(st, "select count(*) from " + schema(placed) + ".files"));
            assertEquals(0, count(st, "select count(*) from public.cache_entries"));
            // scoped to the shared tenant, the placed tenant's schema shows nothing either (RLS forced there too)
            app.setAutoCommit(false);
            st.execute("select tenant_scope('" + shared.id() + "')");
            assertEquals(0, count(st, "select count(*) from " + schema(placed) + ".cache_entries"));
            assertEquals(1, count(st, "select count(*) from cache_entries where key = 'same-key'"));
            app.rollback();
            // scoped to the placed tenant: its schema first on the search_path, and the shared rows of others hidden
            st.execute("select tenant_scope('" + placed.id() + "')");
            try (ResultSet rs = st.executeQuery("select current_schema()")) {
                rs.next();
                assertEquals(schema(placed), rs.getString(1));
            }
            assertEquals(0, count(st, "select count(*) from public.cache_entries"));
            assertEquals(1, count(st, "select count(*) from cache_entries where key = 'same-key'"));
            app.rollback();
            // the transaction-local search_path is gone with the transaction
            try (ResultSet rs = st.executeQuery("select current_schema()")) {
                rs.next();
                assertEquals("public", rs.getString(1));
            }
            app.rollback();
        }
    }

    private static long count(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theAuditAndTheShapeCheckCatchATamperedSchema() throws Exception {
        Tenant a = TestApi.signup();
        as(a).contentType(ContentType.TEXT).body("x").put("/api/v1/cache/k").then().statusCode(204);
        assertEquals("succeeded", moveAndWait(a, "schema").get("status"));
        String s = schema(a);
        assertEquals(List.of(), audit(s), "a fresh schema passes the audit");
        try {
            Db.exec("alter table " + s + ".files no force row level security");
            Db.exec("grant select on " + s + ".sessions to public");
            Db.exec("create table " + s + ".stray (id int)");
            List<String> found = audit(s);
            assertTrue(found.stream().anyMatch(f -> f.contains("table files: row-level security is not enabled and forced")), found::toString);
            assertTrue(found.stream().anyMatch(f -> f.contains("table sessions grants SELECT to PUBLIC")), found::toString);
            assertTrue(found.stream().anyMatch(f -> f.contains("stray is not a tenant table")), found::toString);
        } finally {
            Db.exec("drop table if exists " + s + ".stray");
            Db.exec("select tenant_schema_sync(?)", a.id());
        }
        assertEquals(List.of(), audit(s), "the sync repaired RLS and the grants");

        // a schema that does not match the shared tables (a column they do not have) is refused, never served
        Db.exec("alter table " + s + ".cache_entries add column junk integer");
        try {
            Db.exec("select tenant_schema_sync(?)", a.id());
            Problems.problem(as(a).get("/api/v1/cache/k").then(), 503, "dedicated schema is repaired")
                    .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("unreachable")));
            Problems.problem(as(a).contentType(ContentType.TEXT).body("y").put("/api/v1/cache/k").then(), 503);
            Problems.problem(as(a).get("/api/v1/files?folder=docs").then(), 503);
            String problem = asAdmin().get("/admin/tenants/" + a.id() + "/placement").then().statusCode(200).extract().path("problem");
            assertTrue(problem.contains("junk"), problem);
        } finally {
            Db.exec("alter table " + s + ".cache_entries drop column junk");
            Db.exec("select tenant_schema_sync(?)", a.id());
        }
        assertEquals("x", as(a).get("/api/v1/cache/k").then().statusCode(200).extract().asString());
    }

    private static List<String> audit(String schema) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection app = Db.app(); Statement st = app.createStatement(); ResultSet rs = st.executeQuery(RlsAudit.QUERY)) {
            while (rs.next()) {
                if (rs.getString(1).contains(schema)) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    @Test
    void aTenantInItsOwnSchemaExportsWholeAndImportsAsASharedTenant() {
        Tenant a = TestApi.signup();
        as(a).contentType(ContentType.TEXT).body("kept").put("/api/v1/cache/exported").then().statusCode(204);
        as(a).contentType(ContentType.TEXT).body("file in a schema").put("/api/v1/files/docs/in-schema.txt").then()
                .statusCode(org.hamcrest.Matchers.lessThan(300));
        assertEquals("succeeded", moveAndWait(a, "schema").get("status"));
        byte[] archive = asAdmin().get("/admin/tenants/" + a.id() + "/export").then().statusCode(200).extract().asByteArray();
        Response imported = asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import?as=new");
        assertEquals(201, imported.statusCode(), imported.asString());
        Tenant copy = new Tenant(UUID.fromString(imported.path("tenantId")), imported.path("slug"), imported.path("apiKey"));
        assertEquals("kept", as(copy).get("/api/v1/cache/exported").then().statusCode(200).extract().asString());
        List<String> names = as(copy).get("/api/v1/files?folder=docs").then().statusCode(200).extract().path("items.name");
        assertEquals(List.of("in-schema.txt"), names);
        // the copy starts in the shared tables, whatever the archive's row said
        asAdmin().get("/admin/tenants/" + copy.id() + "/placement").then().statusCode(200)
                .body("placement", org.hamcrest.Matchers.equalTo("shared"));
    }

    @Test
    void badMovesAreRefused() {
        Tenant a = TestApi.signup();
        Problems.problem(asAdmin().contentType(ContentType.JSON).body("{\"placement\":\"database\"}").post("/admin/tenants/" + a.id() + "/placement").then(), 422);
        Problems.problem(asAdmin().contentType(ContentType.JSON).body("{}").post("/admin/tenants/" + a.id() + "/placement").then(), 422);
        Problems.problem(asAdmin().contentType(ContentType.JSON).body("{\"placement\":\"shared\"}").post("/admin/tenants/" + a.id() + "/placement").then(), 409);
        Problems.problem(asAdmin().contentType(ContentType.JSON).body("{\"placement\":\"schema\"}").post("/admin/tenants/" + UUID.randomUUID() + "/placement").then(), 404);
        as(a).contentType(ContentType.JSON).body("{\"placement\":\"schema\"}").post("/admin/tenants/" + a.id() + "/placement").then().statusCode(org.hamcrest.Matchers.either(org.hamcrest.Matchers.is(401)).or(org.hamcrest.Matchers.is(403)));
    }

    /** -Dbench: promotion and demotion times for 10k and 100k rows (half cache entries, half sessions). */
    @Test
    void benchPromotionTimes() {
        if (System.getProperty("bench") == null) {
            return;
        }
        for (int rows : new int[] { 10_000, 100_000 }) {
            Tenant a = TestApi.signup();
            asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}").put("/admin/tenants/" + a.id() + "/plan").then().statusCode(200);
            Db.exec("insert into cache_entries (tenant_id, key, value) select ?, 'k' || g, convert_to(repeat('v', 100), 'UTF8') from generate_series(1, ?) g",
                    a.id(), rows / 2);
            Db.exec("insert into sessions (tenant_id, id, user_id, data, idle_timeout, expires_at) "
                    + "select ?, sha256(convert_to(g::text || ?, 'UTF8')), 'u' || g, '{\"cart\":3}', interval '30 minutes', now() + interval '1 day' "
                    + "from generate_series(1, ?) g", a.id(), a.id().toString(), rows / 2);
            Map<String, Object> up = moveAndWait(a, "schema");
            Map<String, Object> down = moveAndWait(a, "shared");
            // the ratio pause / move: the share of the move during which the tenant's writes wait
            System.out.printf("BENCH placement rows=%d promote=%sms (copy %sms, pause %sms, pause/move %.2f) demote=%sms (copy %sms, pause %sms, pause/move %.2f)%n",
                    rows, up.get("durationMs"), up.get("copyMs"), up.get("pauseMs"), ratio(up), down.get("durationMs"), down.get("copyMs"),
                    down.get("pauseMs"), ratio(down));
            assertEquals("succeeded", up.get("status"));
            assertEquals("succeeded", down.get("status"));
        }
    }

    private static double ratio(Map<String, Object> move) {
        return ((Number) move.get("pauseMs")).doubleValue() / Math.max(1, ((Number) move.get("durationMs")).doubleValue());
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
