package dev.onebase.file;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import dev.onebase.db.EmbeddedDatabaseResource;

/** Direct database access for the checks a user cannot make through HTTP. */
final class Db {

    private Db() {
    }

    private static String url() {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        return "jdbc:postgresql://" + p.get("onebase.db.host") + ":" + p.get("onebase.db.port") + "/" + p.get("onebase.db.name");
    }

    static Connection superuser() throws SQLException {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        return DriverManager.getConnection(url(), p.get("onebase.db.superuser"), p.get("onebase.db.superuser-password"));
    }

    static Connection app() throws SQLException {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        return DriverManager.getConnection(url(), p.get("quarkus.datasource.username"), p.get("quarkus.datasource.password"));
    }

    static long longValue(String sql) {
        try (Connection c = superuser(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void exec(String sql) {
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Large objects the request role owns. */
    static long appObjects() {
        return longValue("select count(*) from pg_largeobject_metadata where lomowner = '"
                + EmbeddedDatabaseResource.properties().get("quarkus.datasource.username") + "'::regrole");
    }

    static boolean objectExists(long oid) {
        return longValue("select count(*) from pg_largeobject_metadata where oid = " + oid + "::oid") == 1;
    }
}
