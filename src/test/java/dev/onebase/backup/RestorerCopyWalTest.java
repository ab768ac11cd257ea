package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copying the archived WAL while pg_receivewal is still writing into the archive. */
class RestorerCopyWalTest {

    static final long SEGMENT = 16L * 1024 * 1024;

    @Test
    void aPartialSegmentCompletedAfterTheListingIsCopiedAsTheCompletedSegment(@TempDir Path tmp) throws Exception {
        Path archive = Files.createDirectories(tmp.resolve("wal"));
        Path dest = tmp.resolve("restore");
        Path earlier = Files.write(archive.resolve("000000010000000000000002"), new byte[] {2});
        Path partial = Files.write(archive.resolve("000000010000000000000003.partial"), new byte[] {3});
        List<Path> listed = Artifacts.list(archive);
        // what pg_receivewal does when the segment fills up, after our listing was taken
        Files.move(partial, archive.resolve("000000010000000000000003"));
        Files.write(archive.resolve("000000010000000000000003"), new byte[] {3, 3});

        assertEquals(2, Restorer.copyWal(listed, dest, null, SEGMENT));

        assertArrayEquals(Files.readAllBytes(earlier), Files.readAllBytes(dest.resolve("000000010000000000000002")));
        assertArrayEquals(new byte[] {3, 3}, Files.readAllBytes(dest.resolve("000000010000000000000003")));
        assertFalse(Files.exists(dest.resolve("000000010000000000000003.partial")));
    }

    @Test
    void aCompletedSegmentThatVanishedIsStillAnError(@TempDir Path tmp) throws Exception {
        Path archive = Files.createDirectories(tmp.resolve("wal"));
        Path gone = Files.write(archive.resolve("000000010000000000000002"), new byte[] {2});
        List<Path> listed = Artifacts.list(archive);
        Files.delete(gone);

        assertThrows(NoSuchFileException.class, () -> Restorer.copyWal(listed, tmp.resolve("restore"), null, SEGMENT));
    }
}
