package dev.onebase.cache;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import dev.onebase.db.EmbeddedDatabaseResource;

/** Direct JDBC to the test cluster, for the database-level checks: as superuser, or as the request role. */
public final class Db {

    private Db() {
    }

    public static Connection superuser() throws SQLException {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        return DriverManager.getConnection(url(p), p.get("onebase.db.superuser"), p.get("onebase.db.superuser-password"));
    }

    public static Connection app() throws SQLException {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        return DriverManager.getConnection(url(p), p.get("quarkus.datasource.username"), p.get("quarkus.datasource.password"));
    }

    public static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.execute();
        }
    }

    private static String url(Map<String, String> p) {
        return "jdbc:postgresql://" + p.get("onebase.db.host") + ":" + p.get("onebase.db.port") + "/" + p.get("onebase.db.name");
    }
}
