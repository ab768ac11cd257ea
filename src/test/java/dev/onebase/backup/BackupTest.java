package dev.onebase.backup;

import static dev.onebase.testsupport.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import dev.onebase.db.Processes;
import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobSettings;
import dev.onebase.testsupport.Eventually;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class BackupTest {

    @Inject
    Snapshots snapshots;
    @Inject
    FullCopies fullCopies;
    @Inject
    Verifier verifier;
    @Inject
    BackupDirectory directory;
    @Inject
    BackupCatalog catalog;
    @Inject
    RestoreTester tester;
    @Inject
    PgTools tools;
    @Inject
    BackupAlerts alerts;
    @Any
    @Inject
    Instance<Job> jobs;

    private static void seed(BackupTarget t) throws Exception {
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            st.execute("create table if not exists backup_probe (id int primary key, payload text)");
            st.execute("insert into backup_probe select g, md5(g::text) from generate_series(1, 20000) g on conflict do nothing");
        }
    }

    @Test
    void snapshotIsChecksummedVerifiedRecordedAndRestoreTested() throws Exception {
        seed(tools.target());
        BackupRecord r = snapshots.take(BackupJobs.manual());
        assertEquals("succeeded", r.status());
        assertTrue(r.verified(), r.verification());
        Path file = Path.of(r.path());
        assertTrue(Files.exists(file));
        assertEquals(Artifacts.sha256(file), r.checksum());
        assertEquals(Files.size(file), r.sizeBytes());
        assertEquals(20000, ((Number) r.rowCounts().get("public.backup_probe")).longValue());
        assertTrue(((Number) r.rowCounts().get("public.plans")).longValue() > 0);
        assertNotNull(r.startLsn());
        ArtifactInfo info = Artifacts.readInfo(file.resolveSibling(file.getFileName().toString().replace(".dump", ".json")));
        assertEquals(r.checksum(), info.checksum());
        try (var files = Files.list(file.getParent())) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }

        RestoreTestRecord test = tester.testSnapshot(tools.target(), BackupJobs.manual());
        assertEquals("passed", test.status(), test.error());
        assertEquals(r.id(), test.backupId());
        assertTrue(((Number) test.checks().get("tablesChecked")).intValue() >= 2);
        assertEquals(1, ((Number) test.checks().get("queriesChecked")).intValue());
        assertNotNull(test.durationMs());
    }

    @Test
    void aRestoreTestThatFindsOtherRowCountsFailsIsRecordedAndAlerted() throws Exception {
        seed(tools.target());
        BackupRecord r = snapshots.take(BackupJobs.manual());
        try (Connection c = tools.target().connect();
                var ps = c.prepareStatement("update backups set row_counts = jsonb_set(row_counts, '{public.backup_probe}', '99') where id = ?")) {
            ps.setLong(1, r.id()); // as if the dump had lost rows
            assertEquals(1, ps.executeUpdate());
        }
        int webhooks = WebhookReceiver.BODIES.size();
        RestoreTestRecord t = tester.testSnapshot(tools.target(), BackupJobs.manual());
        assertEquals("failed", t.status());
        assertEquals(r.id(), t.backupId());
        assertTrue(t.error().contains("public.backup_probe: 20000 rows, 99 recorded at backup time"), t.error());
        assertEquals("restore-test-failed", alerts.recent().get(0).event());
        awaitWebhook(webhooks, "restore-test-failed");
        asAdmin().get("/admin/backups/restore-tests?limit=1").then().statusCode(200)
                .body("[0].status", equalTo("failed")).body("[0].error", containsString("99 recorded"));
        try (Connection c = tools.target().connect(); Statement st = c.createStatement();
                var rs = st.executeQuery("select count(*) from pg_database where datname = 'onebase_restore_test'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the scratch database is dropped after a failed test too");
        }
    }

    @Test
    void aCorruptedSnapshotIsDetected() throws Exception {
        BackupRecord r = snapshots.take(BackupJobs.manual());
        assertTrue(r.verified());
        flipByte(Path.of(r.path()), Files.size(Path.of(r.path())) / 2);
        int before = alerts.recent().size();
        BackupRecord again = verifier.verify(r.id());
        assertFalse(again.verified());
        assertEquals("failed", again.status());
        assertTrue(again.verification().contains("checksum mismatch"), again.verification());
        assertTrue(alerts.recent().size() > before);
        assertEquals("backup-verification-failed", alerts.recent().get(0).event());
    }

    @Test
    void aCorruptedFullCopyIsDetectedByChecksumAndByPgVerifybackup() throws Exception {
        BackupRecord r = fullCopies.take(BackupJobs.manual());
        assertEquals("succeeded", r.status(), r.error());
        assertTrue(r.verified(), r.verification());
        Path dir = Path.of(r.path());
        assertTrue(Files.exists(dir.resolve("backup_manifest")));
        assertTrue(Files.exists(dir.resolve(Artifacts.VERIFIED)), "point-in-time recovery may start from it");
        Path base;
        try (var files = Files.list(dir)) {
            base = files.filter(p -> p.getFileName().toString().startsWith("base.tar")).findFirst().orElseThrow();
        }
        assertTrue(base.getFileName().toString().endsWith(".zst"), "server-side zstd compression: " + base);

        // 1. the same contents rewritten so that its files still match their checksums: pg_verifybackup must object
        Path work = Files.createTempDirectory("onebase-corrupt-");
        try {
            Processes.run(List.of("tar", "-x", "-I", "zstd", "-f", base.toString(), "-C", work.toString()), null, 120);
            Files.writeString(work.resolve("PG_VERSION"), "99\n");
            Files.delete(base);
            Processes.run(List.of("tar", "-c", "-I", "zstd", "-f", base.toString(), "-C", work.toString(), "."), null, 120);
            ArtifactInfo info = Artifacts.readInfo(dir.resolve(Artifacts.INFO));
            Map<String, String> files = new java.util.TreeMap<>(info.files());
            files.put(base.getFileName().toString(), Artifacts.sha256(base));
            Artifacts.writeInfo(dir, Artifacts.INFO, new ArtifactInfo(info.id(), info.kind(), info.startedAt(), info.finishedAt(),
                    info.startLsn(), info.endLsn(), info.timeline(), info.sizeBytes(), Artifacts.combined(files), files, info.rowCounts()));
        } finally {
            Artifacts.deleteTree(work);
        }
        BackupRecord v1 = verifier.verify(r.id());
        assertFalse(v1.verified());
        assertTrue(v1.verification().contains("pg_verifybackup"), v1.verification());
        assertFalse(v1.verification().contains("checksum mismatch in "), v1.verification());
        assertFalse(Files.exists(dir.resolve(Artifacts.VERIFIED)), "point-in-time recovery no longer starts from it");

        // 2. a flipped byte in the archive: the checksum catches it
        flipByte(base, 100);
        BackupRecord v2 = verifier.verify(r.id());
        assertFalse(v2.verified());
        assertTrue(v2.verification().contains("checksum mismatch in " + base.getFileName()), v2.verification());
    }

    @Test
    void aWrongPasswordIsRecordedAndAlertedNeverSuccess() throws Exception {
        int webhooks = WebhookReceiver.BODIES.size();
        BackupTarget bad = tools.target().withPassword("not-the-password");
        BackupException e = assertThrows(BackupException.class, () -> snapshots.take(bad, directory.root(), BackupJobs.manual()));
        assertTrue(e.getMessage().contains("password authentication failed"), e.getMessage());
        BackupRecord r = catalog.list("snapshot", 1).get(0);
        assertEquals("failed", r.status());
        assertFalse(r.verified());
        assertTrue(r.error().contains("password authentication failed"), r.error());
        assertEquals("backup-failed", alerts.recent().get(0).event());
        awaitWebhook(webhooks, "password authentication failed");
    }

    @Test
    void aFullDiskFailsPgDumpAndIsRecordedAndAlerted() throws Exception {
        seed(tools.target());
        Path dir = Files.createTempDirectory("onebase-full-disk-");
        boolean mounted = false;
        try {
            try {
                Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", dir.toString()), null, 30);
                mounted = true;
            } catch (IllegalStateException notPermitted) {
                dir = Path.of("/proc/onebase-read-only"); // no mount allowed: a read-only file system instead
            }
            int webhooks = WebhookReceiver.BODIES.size();
            Path root = dir;
            BackupException e = assertThrows(BackupException.class, () -> snapshots.take(tools.target(), root, BackupJobs.manual()));
            BackupRecord r = catalog.list("snapshot", 1).get(0);
            assertEquals("failed", r.status());
            assertFalse(r.verified());
            assertEquals(e.getMessage(), r.error());
            if (mounted) {
                assertTrue(r.error().contains("pg_dump failed") && r.error().contains("No space left on device"), r.error());
                try (var files = Files.list(dir.resolve("snapshots"))) {
                    assertFalse(files.findAny().isPresent(), "the temporary file is removed");
                }
            }
            awaitWebhook(webhooks, "backup-failed");
        } finally {
            if (mounted) {
                Processes.run(List.of("umount", "-l", dir.toString()), null, 30);
                Files.deleteIfExists(dir);
            }
        }
    }

    @Test
    void whileAnotherReplicaHoldsTheLockTheBackupIsSkipped() throws Exception {
        BackupTarget t = tools.target();
        int before = catalog.list("snapshot", 1000).size();
        try (BackupLocks.Held other = BackupLocks.tryLock(t, "backup-snapshot")) {
            assertNotNull(other);
            assertThrows(BackupLocks.Busy.class, () -> snapshots.take(BackupJobs.manual()));
            assertEquals(before, catalog.list("snapshot", 1000).size(), "nothing recorded, nothing run");
        }
        assertEquals("succeeded", snapshots.take(BackupJobs.manual()).status());
    }

    @Test
    void adminApi() throws Exception {
        given().get("/admin/backups").then().statusCode(401);
        asAdmin().post("/admin/backups?kind=nope").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("snapshot or full"));
        asAdmin().post("/admin/backups").then().statusCode(400).contentType("application/problem+json");
        asAdmin().get("/admin/backups?kind=weird").then().statusCode(400).contentType("application/problem+json");
        asAdmin().get("/admin/backups?limit=0").then().statusCode(400).body("detail", containsString("limit"));
        asAdmin().get("/admin/backups/987654321").then().statusCode(404).contentType("application/problem+json");
        asAdmin().post("/admin/backups/987654321/verify").then().statusCode(404);

        int before = catalog.list("snapshot", 1000).size();
        asAdmin().post("/admin/backups?kind=snapshot").then().statusCode(202).body("operation", equalTo("backup-snapshot"));
        Eventually.until("the snapshot started through the API to finish",
                () -> catalog.list("snapshot", 1000).stream().filter(b -> !"running".equals(b.status())).count() > before);
        BackupRecord newest = catalog.list("snapshot", 1).get(0);
        asAdmin().get("/admin/backups?kind=snapshot&limit=1").then().statusCode(200)
                .body("[0].id", equalTo((int) newest.id())).body("[0].kind", equalTo("snapshot"));
        asAdmin().get("/admin/backups/" + newest.id()).then().statusCode(200).body("checksum", equalTo(newest.checksum()));
        asAdmin().get("/admin/backups/running").then().statusCode(200);
        asAdmin().get("/admin/backups/restore-tests").then().statusCode(200);
        asAdmin().get("/admin/backups/wal").then().statusCode(200).body("enabled", equalTo(false));
        asAdmin().get("/admin/backups/alerts").then().statusCode(200);
        asAdmin().get("/admin/backups/advice").then().statusCode(200).body("sizeClass", equalTo("under 5 GB"))
                .body("followed", equalTo(false)) // WAL streaming is off in the test profile
                .body("gaps[0]", containsString("WAL"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("onebase_backup_wal_lag_bytes"))
                .body(containsString("onebase_backup_newest_verified_age_seconds"));
    }

    @Test
    void aSnapshotWithNothingRecordedToCheckFailsTheRestoreTestAndAlerts() throws Exception {
        BackupRecord r = snapshots.take(BackupJobs.manual());
        try (Connection c = tools.target().connect();
                var ps = c.prepareStatement("update backups set row_counts = '{}' where id = ?")) {
            ps.setLong(1, r.id()); // as if nothing had been counted: a test with nothing to compare must not pass
            assertEquals(1, ps.executeUpdate());
        }
        RestoreTestRecord t = tester.testSnapshot(tools.target(), BackupJobs.manual());
        assertEquals("failed", t.status(), "a restore test that checked no table passed: " + t.checks());
        assertTrue(t.error().contains("nothing to test"), t.error());
        assertEquals("restore-test-failed", alerts.recent().get(0).event());
    }

    @Test
    void artifactsAndDirectoriesArePrivateToTheService() throws Exception {
        BackupRecord snap = snapshots.take(BackupJobs.manual());
        BackupRecord full = fullCopies.take(BackupJobs.manual());
        Path dump = Path.of(snap.path());
        List<Path> files = new ArrayList<>(List.of(dump,
                dump.resolveSibling(dump.getFileName().toString().replace(".dump", ".json"))));
        try (var s = Files.list(Path.of(full.path()))) {
            s.forEach(files::add);
        }
        for (Path f : files) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        }
        for (Path d : List.of(directory.root(), dump.getParent(), Path.of(full.path()), Path.of(full.path()).getParent())) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), d.toString());
        }
    }

    @Test
    void backupJobsRunWithTheBackupTimeoutNotTheJobRunnersDefault() {
        int checked = 0;
        for (Job job : jobs) {
            if (job.name().startsWith("backup-")) {
                assertEquals(Duration.ofHours(6),
                        JobSettings.of(job, ConfigProvider.getConfig()).timeout(), job.name());
                checked++;
            }
        }
        assertEquals(4, checked);
    }

    @Test
    void aRestoreTestReportsAPhaseAndAPercentageThatOnlyMovesForward() throws Exception {
        snapshots.take(BackupJobs.manual());
        List<long[]> seen = new CopyOnWriteArrayList<>();
        JobContext ctx = BackupJobs.manual((done, total) -> seen.add(new long[] { done, total }));
        RestoreTestRecord t = tester.testSnapshot(tools.target(), ctx);
        assertEquals("passed", t.status(), t.error());
        assertTrue(seen.size() >= 3, "progress reported along the way: " + seen.size());
        long last = -1;
        for (long[] p : seen) {
            assertEquals(100, p[1], "a percentage");
            assertTrue(p[0] >= last, "never backwards: " + p[0] + " after " + last);
            last = p[0];
        }
        assertEquals(100, last);
    }

    private static void awaitWebhook(int before, String text) {
        Eventually.until("the webhook to be called", () -> WebhookReceiver.BODIES.size() > before);
        assertTrue(WebhookReceiver.BODIES.stream().skip(before).anyMatch(b -> b.contains(text)), WebhookReceiver.BODIES.toString());
    }

    static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xFF);
        }
    }
}
