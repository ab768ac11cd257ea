package dev.onebase.backup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Where the database to back up is, and the role that backs it up. */
public record BackupTarget(String host, int port, String database, String user, String password) {

    public Connection connect(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + db, user, password);
    }

    public Connection connect() throws SQLException {
        return connect(database);
    }

    public BackupTarget withPassword(String pw) {
        return new BackupTarget(host, port, database, user, pw);
    }

    public String currentLsn() throws SQLException {
        return query("select pg_current_wal_lsn()::text");
    }

    public long walSegmentSize() throws SQLException {
        return Long.parseLong(query("select setting from pg_settings where name = 'wal_segment_size'"));
    }

    public long databaseBytes() throws SQLException {
        return Long.parseLong(query("select pg_database_size(current_database())"));
    }

    private String query(String sql) throws SQLException {
        try (Connection c = connect()) {
            return Jdbc.value(c, sql);
        }
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }
}
