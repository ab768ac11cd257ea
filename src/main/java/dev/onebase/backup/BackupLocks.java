package dev.onebase.backup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Session advisory locks on the backed-up database, held on a dedicated connection for as long as the work runs:
 * whichever replica holds {@code backup-snapshot} takes the snapshot, the others skip; the WAL streamer holds
 * {@code wal-stream}. The lock goes when the connection goes, so a crashed replica never blocks the others.
 */
public final class BackupLocks {

    /** The first key of every onebase backup lock (two-int form, so it cannot collide with one-bigint locks). */
    static final String NAMESPACE = "onebase.backup";

    private BackupLocks() {
    }

    /** Another replica (or another call) holds the lock of this work: nothing was done. */
    public static class Busy extends BackupException {
        public Busy(String what) {
            super(what + " is already running (on this or another replica)");
        }
    }

    /** A held lock; closing it releases it. */
    public record Held(Connection connection, String name) implements AutoCloseable {
        public boolean alive() {
            try {
                return connection.isValid(5);
            } catch (SQLException e) {
                return false;
            }
        }

        @Override
        public void close() {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing the session releases the lock anyway
            }
        }
    }

    /** The lock, or null when another session holds it. */
    public static Held tryLock(BackupTarget target, String name) {
        Connection c = null;
        try {
            c = target.connect();
            try (PreparedStatement ps = c.prepareStatement("select pg_try_advisory_lock(hashtext(?), hashtext(?))")) {
                ps.setString(1, NAMESPACE);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return new Held(c, name);
                    }
                }
            }
            c.close();
            return null;
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already failing
                }
            }
            throw new BackupException("cannot connect to " + target + " for the " + name + " lock: " + e.getMessage(), e);
        }
    }
}
