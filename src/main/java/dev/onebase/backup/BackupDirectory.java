package dev.onebase.backup;

import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

/** {@code onebase.backup.dir}: snapshots/, full/ and wal/ (the WAL streamer's, which restores and PITR read). */
@ApplicationScoped
public class BackupDirectory {

    private final BackupConfig config;

    public BackupDirectory(BackupConfig config) {
        this.config = config;
    }

    public Path root() {
        return Path.of(config.dir()).toAbsolutePath();
    }

    public Path wal() {
        return root().resolve("wal");
    }

    /** The encryption of snapshots and full copies, when onebase.backup.encryption-key is set. */
    public Optional<BackupCipher> cipher() {
        return BackupCipher.fromBase64(config.encryptionKey());
    }
}
