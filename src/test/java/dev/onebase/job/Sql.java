package dev.onebase.job;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import dev.onebase.db.EmbeddedDatabaseResource;

/** Direct JDBC to the test cluster: as the superuser (to arrange and inspect) or as the request role (to prove limits). */
public final class Sql {

    private Sql() {
    }

    public static Connection superuser() throws SQLException {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        return DriverManager.getConnection(p.get("quarkus.datasource.migration.jdbc.url"), p.get("onebase.db.superuser"),
                p.get("onebase.db.superuser-password"));
    }

    public static Connection app() throws SQLException {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        return DriverManager.getConnection(p.get("quarkus.datasource.migration.jdbc.url"), p.get("quarkus.datasource.username"),
                p.get("quarkus.datasource.password"));
    }

    /** Runs an update as the superuser; returns the row count. */
    public static int update(String sql, Object... args) {
        try (Connection c = superuser(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row as the superuser, or null. */
    public static Object value(String sql, Object... args) {
        try (Connection c = superuser(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(String sql, Object... args) {
        return ((Number) value(sql, args)).longValue();
    }

    /** Polls until the condition holds; fails after a minute (a liveness bound, not a speed assertion). */
    public static void waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within a minute");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
