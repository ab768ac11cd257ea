package dev.onebase.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.EmbeddedDatabaseResource;
import io.quarkus.test.junit.QuarkusTest;

/** One DATABASE_URL (the owner) is enough: the request role is derived, provisioned, and fenced. */
@QuarkusTest
class DatabaseUrlTest {

    @Test
    void aDatabaseUrlProvisionsTheRequestRole() throws Exception {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        String host = p.get("onebase.db.host");
        String port = p.get("onebase.db.port");
        String suffix = Long.toString(System.nanoTime());
        String owner = "url_owner_" + suffix;
        String app = "url_app_" + suffix;
        try (Connection su = Db.superuser("postgres"); Statement st = su.createStatement()) {
            st.execute("create role " + owner + " login createrole password 'p@ss:w/rd'");
            st.execute("create database url_db_" + suffix + " owner " + owner);
        }
        System.setProperty("onebase.db.app-role", app);
        try {
            Map<String, String> props = DatabaseBootstrap.fromDatabaseUrl(
                    "postgres://" + owner + ":p%40ss%3Aw%2Frd@" + host + ":" + port + "/url_db_" + suffix + "?sslmode=disable");
            assertEquals("postgresql://" + host + ":" + port + "/url_db_" + suffix + "?sslmode=disable", props.get("quarkus.datasource.reactive.url"));
            assertEquals(owner, props.get("quarkus.datasource.migration.username"));
            assertEquals("p@ss:w/rd", props.get("quarkus.datasource.migration.password"));
            assertEquals(app, props.get("quarkus.datasource.username"));
            assertEquals(DatabaseBootstrap.derivePassword("p@ss:w/rd", app), props.get("quarkus.datasource.password"));
            try (Connection c = DriverManager.getConnection(props.get("quarkus.datasource.migration.jdbc.url"), app,
                    props.get("quarkus.datasource.password")); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select rolsuper or rolbypassrls from pg_roles where rolname = current_user")) {
                rs.next();
                assertFalse(rs.getBoolean(1));
            }
            // a second replica with the same URL gets the same password and changes nothing
            assertEquals(props, DatabaseBootstrap.fromDatabaseUrl(
                    "postgresql://" + owner + ":p%40ss%3Aw%2Frd@" + host + ":" + port + "/url_db_" + suffix + "?sslmode=disable"));
        } finally {
            System.clearProperty("onebase.db.app-role");
        }
    }

    @Test
    void aMalformedDatabaseUrlSaysWhatItWants() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DatabaseBootstrap.fromDatabaseUrl("mysql://x@y/z"));
        assertEquals("DATABASE_URL must look like postgres://owner:password@host:5432/database", e.getMessage());
    }
}
