package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With onebase.backup.encryption-key set, snapshots and full copies are stored encrypted and restore only with the key. */
@QuarkusTest
@TestProfile(EncryptedBackupTest.Encrypted.class)
class EncryptedBackupTest {

    public static class Encrypted implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("onebase.backup.encryption-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        }
    }

    @Inject
    Snapshots snapshots;
    @Inject
    FullCopies fullCopies;
    @Inject
    RestoreTester tester;
    @Inject
    PgTools tools;
    @Inject
    BackupDirectory directory;
    @Inject
    Verifier verifier;

    @Test
    void snapshotsAreStoredEncryptedVerifiedAndRestored() throws Exception {
        BackupRecord r = snapshots.take(BackupJobs.manual());
        assertTrue(r.verified(), r.verification());
        Path dump = Path.of(r.path());
        assertTrue(BackupCipher.isEncrypted(dump));
        assertFalse(new String(Files.readAllBytes(dump), StandardCharsets.ISO_8859_1).contains("PGDMP"),
                "no plain pg_dump archive on disk");
        assertTrue(verifier.verify(r.id()).verified(), "verified again through the key");
        RestoreTestRecord t = tester.testSnapshot(tools.target(), BackupJobs.manual());
        assertEquals("passed", t.status(), t.error());
    }

    @Test
    void fullCopiesAreStoredEncryptedAndRestoreOnlyWithTheKey() throws Exception {
        BackupRecord r = fullCopies.take(BackupJobs.manual());
        assertTrue(r.verified(), r.verification());
        Path dir = Path.of(r.path());
        try (var files = Files.list(dir)) {
            files.filter(f -> !f.getFileName().toString().startsWith("onebase.")).forEach(f -> {
                try {
                    assertTrue(BackupCipher.isEncrypted(f), f + " is encrypted");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        RestoreTestRecord t = tester.testFullCopy(tools.target(), BackupJobs.manual());
        assertEquals("passed", t.status(), t.error());

        // point-in-time recovery without the key, and with another one, stops before touching anything
        Path pitr = Files.createTempDirectory("onebase-pitr-nokey-");
        try {
            BackupException noKey = assertThrows(BackupException.class, () -> PitrCommand.recover(Instant.now().plusSeconds(5),
                    pitr.resolve("a"), directory.root(), tools.binDir(), Restorer.freePort(), Duration.ofMinutes(1), Optional.empty()));
            assertTrue(noKey.getMessage().contains("is encrypted: set onebase.backup.encryption-key"), noKey.getMessage());
            BackupException wrongKey = assertThrows(BackupException.class, () -> PitrCommand.recover(Instant.now().plusSeconds(5),
                    pitr.resolve("b"), directory.root(), tools.binDir(), Restorer.freePort(), Duration.ofMinutes(1),
                    BackupCipher.fromBase64(Optional.of("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="))));
            assertTrue(wrongKey.getMessage().contains("wrong onebase.backup.encryption-key"), wrongKey.getMessage());
        } finally {
            Artifacts.deleteTree(pitr);
        }
    }
}
