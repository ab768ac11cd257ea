package dev.onebase.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.db.RlsAudit;
import dev.onebase.db.TenantTx;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** The database-level guarantees, checked as the request role itself. */
@QuarkusTest
class RowLevelSecurityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    TenantTx tx;

    @Inject
    Pool pool;

    @Test
    void withNoTenantSetTheRequestRoleSeesNothingAndCannotWrite() throws SQLException {
        Tenant t = TestApi.signup();
        try (Connection c = Db.app(); Statement st = c.createStatement()) {
            assertEquals(0, Db.count(c, "select count(*) from tenants"));
            assertEquals(0, Db.count(c, "select count(*) from api_keys"));
            SQLException insert = assertThrows(SQLException.class, () -> st.execute(
                    "insert into api_keys (tenant_id, prefix, hash, scopes) values ('" + t.id() + "', 'x', '\\x00', '{read}')"));
            assertEquals("42501", insert.getSQLState(), insert.getMessage());
            assertThrows(SQLException.class, () -> st.execute(
                    "insert into tenants (id, slug, name, plan) values (gen_random_uuid(), 'sneaky-" + System.nanoTime() + "', 'x', 'free')"));
            assertEquals(0, st.executeUpdate("update tenants set name = 'hijacked'"));
            assertEquals(0, st.executeUpdate("delete from api_keys"));
        }
    }

    @Test
    void oneTenantSeesOnlyItselfAndCannotWriteForAnother() throws SQLException {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        try (Connection c = Db.app(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            Db.exec(c, "select set_config('app.tenant_id', ?, true)", a.id().toString());
            assertEquals(1, Db.count(c, "select count(*) from tenants"));
            assertEquals(0, Db.count(c, "select count(*) from tenants where id = ?", b.id()));
            assertEquals(0, st.executeUpdate("update api_keys set name = 'x' where tenant_id = '" + b.id() + "'"));
            SQLException insert = assertThrows(SQLException.class, () -> st.execute(
                    "insert into api_keys (tenant_id, prefix, hash, scopes) values ('" + b.id() + "', 'x', '\\x01', '{read}')"));
            assertEquals("42501", insert.getSQLState());
            c.rollback();
        }
    }

    @Test
    void theTenantSettingNeverSurvivesIntoTheNextUseOfAPooledConnection() {
        UUID tenant = TestApi.signup().id();
        for (int i = 0; i < 10; i++) {
            String inside = tx.run(tenant, conn -> conn.query("select current_setting('app.tenant_id', true)").execute()
                    .map(rows -> rows.iterator().next().getString(0))).await().atMost(WAIT);
            assertEquals(tenant.toString(), inside);
            assertNoTenantOnEveryConnection();

            Uni<Object> failing = tx.run(tenant, conn -> conn.query("select 1/0").execute().map(rows -> (Object) rows));
            assertThrows(RuntimeException.class, () -> failing.await().atMost(WAIT));
            assertNoTenantOnEveryConnection();

            tx.statement(tenant, "select count(*) from tenants", Tuple.tuple()).await().atMost(WAIT);
            assertNoTenantOnEveryConnection();
            assertThrows(RuntimeException.class, () -> tx.statement(tenant, "select 1/0", Tuple.tuple()).await().atMost(WAIT));
            assertNoTenantOnEveryConnection();
        }
    }

    @Test
    void aFailedUnitOfWorkLeavesNothingBehind() {
        Tenant t = TestApi.signup();
        Uni<Object> renameThenFail = tx.run(t.id(), conn -> conn.query("update tenants set name = 'half-done'").execute()
                .flatMap(ignored -> conn.query("select 1/0").execute()).map(rows -> (Object) rows));
        assertThrows(RuntimeException.class, () -> renameThenFail.await().atMost(WAIT));
        String name = tx.statement(t.id(), "select name from tenants", Tuple.tuple())
                .map(rows -> rows.iterator().next().getString(0)).await().atMost(WAIT);
        assertEquals("Tenant " + t.slug(), name);
    }

    @Test
    void theAuditPassesForTheRealSchema() throws SQLException {
        try (Connection c = Db.app()) {
            assertEquals(List.of(), audit(c));
        }
    }

    @Test
    void theAuditRefusesABypassRlsRole() throws SQLException {
        String role = "audit_bypass_" + System.nanoTime();
        try (Connection su = Db.superuser(); Statement st = su.createStatement()) {
            st.execute("create role " + role + " login bypassrls password 'probe'");
            try (Connection probe = Db.connect(role, "probe")) {
                List<String> problems = audit(probe);
                assertTrue(problems.stream().anyMatch(p -> p.contains("has BYPASSRLS")), problems.toString());
            } finally {
                st.execute("drop role " + role);
            }
        }
    }

    @Test
    void theAuditRefusesATenantTableWithoutForce() throws SQLException {
        try (Connection owner = Db.owner(); Statement st = owner.createStatement(); Connection app = Db.app()) {
            st.execute("create table audit_probe (tenant_id uuid not null, note text)");
            try {
                st.execute("alter table audit_probe enable row level security");
                st.execute("create policy p on audit_probe using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)");
                List<String> problems = audit(app);
                assertEquals(List.of("table audit_probe holds tenant data but row-level security is not forced"), problems);

                st.execute("alter table audit_probe force row level security");
                assertEquals(List.of(), audit(app));

                st.execute("drop policy p on audit_probe");
                st.execute("create policy p on audit_probe using (true)");
                assertEquals(List.of("table audit_probe holds tenant data but no policy reads app.tenant_id"), audit(app));
            } finally {
                st.execute("drop table audit_probe");
            }
        }
    }

    private void assertNoTenantOnEveryConnection() {
        // Two concurrent reads take both connections of the two-connection test pool.
        List<String> seen = Uni.combine().all().unis(currentSetting(), currentSetting()).with((x, y) -> List.of(x, y)).await().atMost(WAIT);
        for (String s : seen) {
            assertTrue(s == null || s.isEmpty(), "a pooled connection still carries app.tenant_id=" + s);
        }
    }

    private Uni<String> currentSetting() {
        return pool.query("select current_setting('app.tenant_id', true), pg_sleep(0.01)").execute()
                .map(rows -> rows.iterator().next().getString(0));
    }

    private static List<String> audit(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(RlsAudit.QUERY)) {
            while (rs.next()) {
                problems.add(rs.getString(1));
            }
        }
        return problems;
    }
}
