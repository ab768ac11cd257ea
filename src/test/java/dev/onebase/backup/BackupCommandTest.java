package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import io.quarkus.test.junit.QuarkusTest;

/** {@code backup info|check|verify} on the backup directory the service writes. */
@QuarkusTest
class BackupCommandTest {

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

    private record Ran(int exit, String out) {
    }

    private Ran run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit = BackupCommand.run(new PrintStream(buf, true), args);
        return new Ran(exit, buf.toString());
    }

    @Test
    void infoListsEveryBackupTheWalAndTheLastRestoreTestAsTextAndJson() throws Exception {
        BackupRecord snap = snapshots.take(BackupJobs.manual());
        BackupRecord full = fullCopies.take(BackupJobs.manual());
        tester.testSnapshot(tools.target(), BackupJobs.manual());
        String root = directory.root().toString();

        Ran json = run("backup", "info", "--backup-dir", root, "--json");
        assertEquals(0, json.exit(), json.out());
        JsonNode info = Artifacts.JSON.readTree(json.out());
        boolean sawSnap = false;
        boolean sawFull = false;
        for (JsonNode b : info.path("backups")) {
            sawSnap |= b.path("id").asLong() == snap.id() && "snapshot".equals(b.path("kind").asText());
            sawFull |= b.path("id").asLong() == full.id() && b.path("verified").asBoolean() && full.startLsn().equals(b.path("startLsn").asText());
        }
        assertTrue(sawSnap && sawFull, json.out());
        assertEquals("passed", info.path("lastRestoreTests").path("snapshot").path("status").asText(), json.out());
        assertTrue(info.has("wal") && info.has("recoverable"), json.out());

        Ran text = run("backup", "info", "--backup-dir", root);
        assertEquals(0, text.exit());
        assertTrue(text.out().contains("full") && text.out().contains(Long.toString(full.id())) && text.out().contains("recoverable window"),
                text.out());
        assertEquals(2, run("backup", "nonsense").exit());
    }

    @Test
    void checkFailsOnAFileOthersCanReadAndVerifyOnADamagedFile() throws Exception {
        BackupRecord snap = snapshots.take(BackupJobs.manual());
        String root = directory.root().toString();
        Path open = directory.root().resolve("snapshots").resolve("left-open.txt");
        Files.writeString(open, "x");
        try {
            Ran check = run("backup", "check", "--backup-dir", root, "--json");
            assertEquals(1, check.exit(), check.out());
            JsonNode perms = null;
            for (JsonNode c : Artifacts.JSON.readTree(check.out())) {
                if ("permissions".equals(c.path("name").asText())) {
                    perms = c;
                }
            }
            assertFalse(perms.path("ok").asBoolean(), check.out());
            assertTrue(perms.path("detail").asText().contains("left-open.txt"), check.out());
        } finally {
            Files.delete(open);
        }

        assertEquals(0, run("backup", "verify", "--backup-dir", root, "--id", Long.toString(snap.id())).exit());
        BackupTest.flipByte(Path.of(snap.path()), 10);
        Ran verify = run("backup", "verify", "--backup-dir", root, "--id", Long.toString(snap.id()));
        assertEquals(1, verify.exit(), verify.out());
        assertTrue(verify.out().contains("FAIL") && verify.out().contains("checksum mismatch"), verify.out());
    }
}
