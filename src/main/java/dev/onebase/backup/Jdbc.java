package dev.onebase.backup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** One value read over JDBC: the backed-up database is reached with plain JDBC, since backup work blocks anyway. */
final class Jdbc {

    private Jdbc() {
    }

    /** The first column of the first row of {@code sql}, as text. */
    static String value(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
