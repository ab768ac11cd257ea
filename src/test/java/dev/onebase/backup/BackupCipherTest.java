package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** AES-256-GCM in chunks: round trips of every size, and every way a file can be wrong fails with a reason. */
class BackupCipherTest {

    private static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    private static final String OTHER_KEY = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
    private final Path dir;
    private final BackupCipher cipher = BackupCipher.fromBase64(Optional.of(KEY)).orElseThrow();

    BackupCipherTest() throws Exception {
        dir = Files.createTempDirectory("onebase-cipher-");
    }

    @AfterEach
    void cleanUp() {
        Artifacts.deleteTree(dir);
    }

    private Path encrypted(byte[] plain) throws Exception {
        Path f = Files.write(dir.resolve("f" + plain.length), plain);
        cipher.encryptInPlace(f);
        return f;
    }

    @Test
    void roundTripsAtChunkBoundaries() throws Exception {
        int mib = 1 << 20;
        for (int size : new int[] { 0, 1, mib - 1, mib, mib + 1, 3 * mib + 7 }) {
            byte[] plain = new byte[size];
            new Random(size).nextBytes(plain);
            Path f = encrypted(plain);
            assertTrue(BackupCipher.isEncrypted(f));
            Path back = dir.resolve("back");
            cipher.decrypt(f, back);
            assertArrayEquals(plain, Files.readAllBytes(back), "size " + size);
        }
    }

    @Test
    void aWrongKeyADamagedOrACutOffFileAndNoKeyFailClearly() throws Exception {
        byte[] plain = new byte[(1 << 20) * 2 + 100];
        new Random(1).nextBytes(plain);
        Path f = encrypted(plain);
        BackupCipher other = BackupCipher.fromBase64(Optional.of(OTHER_KEY)).orElseThrow();
        assertTrue(assertThrows(BackupException.class, () -> other.decrypt(f, dir.resolve("x"))).getMessage()
                .contains("wrong onebase.backup.encryption-key"));

        Path damaged = Files.copy(f, dir.resolve("damaged"));
        BackupTest.flipByte(damaged, 5000);
        assertThrows(BackupException.class, () -> cipher.decrypt(damaged, dir.resolve("x")));

        // cut after the first chunk: every byte left is authentic, yet the end is missing
        Path cut = Files.copy(f, dir.resolve("cut"));
        try (RandomAccessFile raf = new RandomAccessFile(cut.toFile(), "rw")) {
            raf.setLength(12 + 8 + 4 + (1 << 20) + 16);
        }
        assertThrows(BackupException.class, () -> cipher.decrypt(cut, dir.resolve("x")));

        BackupException noKey = assertThrows(BackupException.class, () -> BackupCipher.readable(f, Optional.empty(), dir));
        assertTrue(noKey.getMessage().contains("is encrypted: set onebase.backup.encryption-key"), noKey.getMessage());
        assertThrows(BackupException.class, () -> BackupCipher.fromBase64(Optional.of("too-short")));
        assertFalse(BackupCipher.fromBase64(Optional.empty()).isPresent());
    }
}
