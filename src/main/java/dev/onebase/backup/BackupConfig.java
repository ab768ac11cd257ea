package dev.onebase.backup;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of backups, WAL streaming, retention and restore tests ({@code onebase.backup.*}). */
@ConfigMapping(prefix = "onebase.backup")
public interface BackupConfig {

    /** Where artifacts go: snapshots/, full/, wal/. */
    @WithDefault(".onebase/backups")
    String dir();

    /** PostgreSQL client tools; default: onebase.db.bin-dir of the embedded database, else found on the machine. */
    Optional<String> binDir();

    /** The database to back up; each defaults to the embedded database's onebase.db.* facts. */
    Optional<String> host();

    Optional<Integer> port();

    Optional<String> database();

    /** A role with REPLICATION and BYPASSRLS (or a superuser); default: the embedded superuser. */
    Optional<String> user();

    Optional<String> password();

    /**
     * Base64 of a 32-byte key: snapshots and full copies are then stored encrypted (AES-256-GCM, {@link BackupCipher})
     * and need it to be restored.
     */
    Optional<String> encryptionKey();

    /** How long one backup or restore test may run before its tool is stopped. */
    @WithDefault("PT6H")
    Duration timeout();

    Snapshot snapshot();

    Full full();

    Wal wal();

    Retention retention();

    RestoreTest restoreTest();

    Alert alert();

    Offsite offsite();

    interface Snapshot {
        /** pg_dump -Z level (0-9, gzip). */
        @WithDefault("6")
        int compressLevel();
    }

    interface Full {
        /** pg_basebackup --compress: server-zstd, server-lz4, gzip, none... */
        @WithDefault("server-zstd")
        String compress();
    }

    interface Wal {
        /** Stream WAL with pg_receivewal on this replica (one replica streams at a time: advisory lock). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("onebase_wal")
        String slot();

        @WithDefault("PT1S")
        Duration minBackoff();

        @WithDefault("PT60S")
        Duration maxBackoff();

        /** Alert when the newest WAL known to be streamed is older than this. */
        @WithDefault("PT5M")
        Duration maxAge();
    }

    interface Retention {
        @WithDefault("7")
        int daily();

        @WithDefault("4")
        int weekly();

        @WithDefault("6")
        int monthly();
    }

    interface RestoreTest {
        /** The scratch database a snapshot is restored into (dropped and recreated each test). */
        @WithDefault("onebase_restore_test")
        String database();

        /** Queries run on the restored database; each must return one row whose first column is true. */
        Optional<List<String>> queries();

        /** Also restore the newest full copy plus WAL into a scratch cluster (when full copies are taken). */
        @WithDefault("true")
        boolean fullCopy();

        /** Where the full copy is restored for the test; default: the system's temporary directory. */
        Optional<String> scratchDir();

        /**
         * Where the tested backup and its WAL are read from: {@code local} (the backup directory), {@code offsite} (the
         * off-site bucket, every time), or {@code auto}: the backup directory, and the bucket when the backup's files are
         * gone from it.
         */
        @WithDefault("auto")
        String source();
    }

    interface Alert {
        /** POSTed a JSON body when a backup or restore test fails. */
        Optional<URI> webhookUrl();
    }

    /** Copies of every verified backup and every complete WAL segment in an S3-compatible bucket; off until endpoint and bucket are set. */
    interface Offsite {
        Optional<URI> endpoint();

        Optional<String> bucket();

        @WithDefault("us-east-1")
        String region();

        Optional<String> accessKeyId();

        Optional<String> secretAccessKey();

        /** The folder inside the bucket. */
        @WithDefault("onebase-backups/")
        String prefix();

        /** Off-site backups older than this are deleted (the newest of each kind stays), with the WAL only they needed. */
        @WithDefault("30")
        int retentionDays();
    }
}
