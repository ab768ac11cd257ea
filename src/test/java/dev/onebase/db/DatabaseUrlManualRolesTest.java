package dev.onebase.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.EmbeddedDatabaseResource;
import io.quarkus.test.junit.QuarkusTest;

/** docs/configuration.md, "Your own PostgreSQL": an owner without CREATEROLE, the roles created by hand as it says. */
@QuarkusTest
class DatabaseUrlManualRolesTest {

    @Test
    void anOwnerWithoutCreateroleWorksWithTheRolesCreatedAsTheDocsSay() throws Exception {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        String suffix = Long.toString(System.nanoTime());
        String owner = "plain_owner_" + suffix;
        String app = "plain_app_" + suffix;
        try (Connection su = Db.superuser("postgres"); Statement st = su.createStatement()) {
            st.execute("create role " + owner + " login nocreaterole password 'owner-pw'");
            st.execute("create database plain_db_" + suffix + " owner " + owner);
            // the docs' three statements, run once by a superuser
            st.execute("create role " + app + " login password 'app-pw' nosuperuser nobypassrls");
            try (ResultSet rs = st.executeQuery("select count(*) from pg_roles where rolname = 'onebase_admin'")) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    st.execute("create role onebase_admin nologin nosuperuser nobypassrls");
                }
            }
            st.execute("grant onebase_admin to " + owner);
        }
        System.setProperty("onebase.db.app-role", app);
        System.setProperty("onebase.db.app-password", "app-pw");
        try {
            Map<String, String> props = DatabaseBootstrap.fromDatabaseUrl("postgres://" + owner + ":owner-pw@"
                    + p.get("onebase.db.host") + ":" + p.get("onebase.db.port") + "/plain_db_" + suffix);
            assertEquals(app, props.get("quarkus.datasource.username"));
            assertEquals("app-pw", props.get("quarkus.datasource.password"));
            try (Connection c = DriverManager.getConnection(props.get("quarkus.datasource.migration.jdbc.url"), app, "app-pw");
                    Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select current_user")) {
                rs.next();
                assertEquals(app, rs.getString(1));
            }
        } finally {
            System.clearProperty("onebase.db.app-role");
            System.clearProperty("onebase.db.app-password");
        }
    }
}
