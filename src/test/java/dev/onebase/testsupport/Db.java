package dev.onebase.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Direct JDBC to the test cluster, for what a user cannot do through HTTP: arrange and inspect as the superuser
 * (which bypasses Row-Level Security), or prove the database-level guarantees as the request role.
 * <p>
 * Statements take {@code ?} parameters, never values spliced into the SQL. The statement helpers run either on a
 * connection the test holds (to keep a transaction or a lock open) or, without one, as the superuser on a connection
 * of their own; they throw {@link IllegalStateException} naming the statement instead of {@link SQLException}, so they
 * fit in lambdas ({@link Eventually}).
 */
public final class Db {

    private Db() {
    }

    /** The cluster's superuser: sees and may change every row. */
    public static Connection superuser() throws SQLException {
        return connect(setting("onebase.db.superuser"), setting("onebase.db.superuser-password"));
    }

    /** The superuser on another database of the cluster (e.g. {@code postgres}, to create databases and roles). */
    public static Connection superuser(String database) throws SQLException {
        return DriverManager.getConnection(url(database), setting("onebase.db.superuser"), setting("onebase.db.superuser-password"));
    }

    /** The owner of the tables (the role Flyway migrates as). */
    public static Connection owner() throws SQLException {
        return connect(setting("quarkus.datasource.migration.username"), setting("quarkus.datasource.migration.password"));
    }

    /** The request role the service runs its queries as: fenced by Row-Level Security. */
    public static Connection app() throws SQLException {
        return connect(appRole(), setting("quarkus.datasource.password"));
    }

    /** Any other role, on the service's database. */
    public static Connection connect(String role, String password) throws SQLException {
        return DriverManager.getConnection(url(setting("onebase.db.name")), role, password);
    }

    /** The request role's name. */
    public static String appRole() {
        return setting("quarkus.datasource.username");
    }

    /** Runs a statement on the connection. */
    public static void exec(Connection c, String sql, Object... args) {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            ps.execute();
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** Runs a statement as the superuser. */
    public static void exec(String sql, Object... args) {
        asSuperuser(sql, c -> {
            exec(c, sql, args);
            return null;
        });
    }

    /** Runs an INSERT, UPDATE or DELETE as the superuser; returns the number of rows it touched. */
    public static int update(String sql, Object... args) {
        return asSuperuser(sql, c -> {
            try (PreparedStatement ps = prepare(c, sql, args)) {
                return ps.executeUpdate();
            }
        });
    }

    /** The first column of the first row on the connection, or null when there is no row. */
    public static Object value(Connection c, String sql, Object... args) {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getObject(1) : null;
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** The first column of the first row as the superuser, or null when there is no row. */
    public static Object value(String sql, Object... args) {
        return asSuperuser(sql, c -> value(c, sql, args));
    }

    /** The first column of the first row on the connection, as a number: a count, a sum, an id. */
    public static long count(Connection c, String sql, Object... args) {
        Object v = value(c, sql, args);
        if (!(v instanceof Number n)) {
            throw new IllegalStateException(sql + " gave " + v + ", not a number");
        }
        return n.longValue();
    }

    /** The first column of the first row as the superuser, as a number: a count, a sum, an id. */
    public static long count(String sql, Object... args) {
        return asSuperuser(sql, c -> count(c, sql, args));
    }

    /**
     * Lets time pass for some rows instead of waiting for the clock: every {@code timestamptz} column of the rows of
     * {@code table} that match {@code where} moves back by {@code by}, so to every rule that compares them with
     * {@code now()} (expiry, idle timeouts, token buckets, retention) the rows are {@code by} older. Returns the number
     * of rows moved.
     */
    public static int passTime(String table, Duration by, String where, Object... args) {
        List<Object> all = new ArrayList<>();
        String set = timestampColumns(table).stream().map(col -> {
            all.add(by.toNanos() / 1000);
            return col + " = " + col + " - ? * interval '1 microsecond'";
        }).collect(Collectors.joining(", "));
        if (set.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " has no timestamptz column");
        }
        all.addAll(Arrays.asList(args));
        return update("update " + table + " set " + set + " where " + where, all.toArray());
    }

    private static List<String> timestampColumns(String table) {
        return asSuperuser(table, c -> {
            List<String> columns = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, """
                    select quote_ident(attname) from pg_attribute
                     where attrelid = ?::regclass and atttypid = 'timestamptz'::regtype and attnum > 0 and not attisdropped
                     order by attnum""", table); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
            return columns;
        });
    }

    private interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    private static <T> T asSuperuser(String what, Work<T> work) {
        try (Connection c = superuser()) {
            return work.on(c);
        } catch (SQLException e) {
            throw failed(what, e);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }

    private static IllegalStateException failed(String sql, SQLException e) {
        return new IllegalStateException(e.getMessage() + " (SQL state " + e.getSQLState() + ") in: " + sql, e);
    }

    private static String url(String database) {
        return "jdbc:postgresql://" + setting("onebase.db.host") + ":" + setting("onebase.db.port") + "/" + database;
    }

    private static String setting(String key) {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        if (p == null) {
            throw new IllegalStateException("the test cluster is not started: Db works inside a @QuarkusTest");
        }
        return p.get(key);
    }
}
