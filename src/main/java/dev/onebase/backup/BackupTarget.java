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

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }
}
