package dev.onebase.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates the roles onebase needs: the request role (login, no superuser, no BYPASSRLS, owns nothing) and
 * {@code onebase_admin}, the NOLOGIN role that owns the few SECURITY DEFINER functions doing cross-tenant work.
 */
public final class RoleSetup {

    public static final String ADMIN_ROLE = "onebase_admin";

    private RoleSetup() {
    }

    /** As a superuser (embedded) or a CREATEROLE owner: the owner (when asked) and the admin role. */
    static void ensureRoles(Connection c, String owner, String ownerPassword, boolean createOwner) throws SQLException {
        if (createOwner && !roleExists(c, owner)) {
            try (Statement st = c.createStatement()) {
                st.execute("create role " + ident(owner) + " login nosuperuser nobypassrls");
            }
            setPassword(c, owner, ownerPassword);
        }
        if (!roleExists(c, ADMIN_ROLE)) {
            try (Statement st = c.createStatement()) {
                st.execute("create role " + ADMIN_ROLE + " nologin nosuperuser nobypassrls");
            }
        }
        // granting needs CREATEROLE or the admin option even when it changes nothing: skip it when done by hand (docs)
        if (!isTrue(c, "select pg_has_role(?, '" + ADMIN_ROLE + "', 'member')", owner)) {
            try (Statement st = c.createStatement()) {
                st.execute("grant " + ADMIN_ROLE + " to " + ident(owner));
            }
        }
    }

    static void ensureAppRole(Connection c, String app, String password) throws SQLException {
        try (Statement st = c.createStatement()) {
            if (!roleExists(c, app)) {
                st.execute("create role " + ident(app) + " login nosuperuser nobypassrls nocreatedb nocreaterole");
            }
        }
        // an owner without CREATEROLE cannot set it: the role was created by hand with the configured password (docs)
        if (isTrue(c, "select rolsuper or rolcreaterole from pg_roles where rolname = ?", currentUser(c))) {
            setPassword(c, app, password);
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean isTrue(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * Large objects the request role still owns (written before they were fenced, V9) go to the admin role, so the
     * request role can no longer read them without a tenant. As a superuser, or as the owner that created the request
     * role (it lends itself the membership the hand-over needs for the time it takes).
     */
    static void handOverLargeObjects(Connection c, String app) throws SQLException {
        java.util.List<Long> oids = new java.util.ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select oid::int8 from pg_largeobject_metadata where lomowner = "
                + "(select oid from pg_roles where rolname = ?)")) {
            ps.setString(1, app);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    oids.add(rs.getLong(1));
                }
            }
        }
        if (oids.isEmpty()) {
            return;
        }
        try (Statement st = c.createStatement()) {
            boolean superuser;
            try (ResultSet rs = st.executeQuery("select rolsuper from pg_roles where rolname = current_user")) {
                superuser = rs.next() && rs.getBoolean(1);
            }
            if (!superuser) {
                st.execute("grant " + ident(app) + " to current_user");
            }
            try {
                for (long oid : oids) {
                    st.execute("alter large object " + oid + " owner to " + ADMIN_ROLE);
                }
            } finally {
                if (!superuser) {
                    st.execute("revoke " + ident(app) + " from current_user");
                }
            }
        }
    }

    private static void setPassword(Connection c, String role, String password) throws SQLException {
        // ALTER ROLE takes no bind parameters; format() quotes the literal inside the server.
        try (PreparedStatement ps = c.prepareStatement("select format('alter role %I password %L', ?, ?)")) {
            ps.setString(1, role);
            ps.setString(2, password);
            try (ResultSet rs = ps.executeQuery(); Statement st = c.createStatement()) {
                rs.next();
                st.execute(rs.getString(1));
            }
        }
    }

    private static boolean roleExists(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from pg_roles where rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String ident(String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("role name must be a plain lower-case identifier: " + name);
        }
        return name;
    }
}
