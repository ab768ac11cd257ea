package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.s3.S3Server;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Off-site copies against a real S3 implementation (onebase's own S3 endpoint, a tenant's bucket and key): backups and
 * WAL arrive checksummed, and point-in-time recovery works from the bucket alone once the local directory is gone.
 */
@QuarkusTest
class OffsiteCopiesTest {

    @Inject
    OffsiteCopies offsite;
    @Inject
    S3Server s3;
    @Inject
    FullCopies fullCopies;
    @Inject
    Snapshots snapshots;
    @Inject
    WalStreamer streamer;
    @Inject
    BackupDirectory directory;
    @Inject
    PgTools tools;

    @AfterEach
    void back() {
        offsite.useTarget(null);
        streamer.stop();
    }

    private OffsiteStore.Target bucket(String name) {
        TestApi.Tenant tenant = TestApi.signup();
        // every WAL upload lands in this same database, so its full copies grow past the free plan's 100 MB per file
        TestApi.asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}").put("/admin/tenants/" + tenant.id() + "/plan")
                .then().statusCode(200);
        var r = TestApi.as(tenant).contentType(ContentType.JSON).body("{\"name\":\"offsite\"}").post("/api/v1/keys/s3").then()
                .statusCode(201).extract();
        OffsiteStore.Target t = new OffsiteStore.Target(URI.create("http://127.0.0.1:" + s3.port()), name, "us-east-1",
                r.path("key.accessKeyId"), r.path("secretAccessKey"), "backups/");
        sdk(t).createBucket(b -> b.bucket(name));
        return t;
    }

    private static S3Client sdk(OffsiteStore.Target t) {
        return S3Client.builder().endpointOverride(t.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(t.accessKeyId(), t.secretAccessKey())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }

    private static List<String> keys(OffsiteStore.Target t) {
        return sdk(t).listObjectsV2Paginator(b -> b.bucket(t.bucket())).contents().stream().map(S3Object::key).toList();
    }

    @Test
    void checkReportsReachabilityAndBadCredentials() {
        assertEquals("not configured", offsite.check().detail());
        OffsiteStore.Target t = bucket("reach");
        offsite.useTarget(t);
        BackupCommand.Check ok = offsite.check();
        assertTrue(ok.ok(), ok.detail());
        assertTrue(ok.detail().startsWith("reachable"), ok.detail());
        offsite.useTarget(new OffsiteStore.Target(t.endpoint(), t.bucket(), t.region(), t.accessKeyId(), "wrong-secret", t.prefix()));
        BackupCommand.Check bad = offsite.check();
        assertFalse(bad.ok(), bad.detail());
        assertTrue(bad.detail().contains("HTTP 403"), bad.detail());
    }

    @Test
    void backupsAndWalGoOffSiteAndPitrWorksFromTheBucketAloneWhenTheLocalDirectoryIsGone() throws Exception {
        OffsiteStore.Target t = bucket("offsite-pitr");
        offsite.useTarget(t);
        streamer.start();
        BackupTarget db = tools.target();
        assertTrue(streamer.awaitFlushed(db.currentLsn(), Duration.ofSeconds(60)), "pg_receivewal streams: " + streamer.status());
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("create table if not exists offsite_probe (id int primary key, note text)");
            st.execute("truncate offsite_probe");
            st.execute("insert into offsite_probe values (1, 'in the full copy')");
        }
        BackupRecord full = fullCopies.take(BackupJobs.manual());
        assertTrue(full.verified(), full.verification());
        BackupRecord snapshot = snapshots.take(BackupJobs.manual());
        assertTrue(snapshot.verified(), snapshot.verification());

        String fullName = Path.of(full.path()).getFileName().toString();
        String snapshotName = Path.of(snapshot.path()).getFileName().toString();
        List<String> arrived = keys(t);
        assertTrue(arrived.contains("backups/full/" + fullName + "/" + Artifacts.INFO), arrived.toString());
        assertTrue(arrived.contains("backups/full/" + fullName + "/" + Artifacts.VERIFIED), arrived.toString());
        assertTrue(arrived.contains("backups/full/" + fullName + "/backup_manifest"), arrived.toString());
        assertTrue(arrived.contains("backups/snapshots/" + snapshotName), arrived.toString());
        assertTrue(arrived.contains("backups/snapshots/" + snapshotName.replace(".dump", ".json")), arrived.toString());
        // what arrived is what was written
        byte[] remote = sdk(t).getObjectAsBytes(b -> b.bucket(t.bucket()).key("backups/snapshots/" + snapshotName)).asByteArray();
        assertEquals(Artifacts.sha256(Path.of(snapshot.path())), Artifacts.hex(Artifacts.sha256().digest(remote)));

        Instant target;
        String switched;
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("insert into offsite_probe values (2, 'in the WAL only')");
            try (ResultSet rs = st.executeQuery("select clock_timestamp()")) {
                rs.next();
                target = rs.getTimestamp(1).toInstant();
            }
            Thread.sleep(20);
            st.execute("insert into offsite_probe values (3, 'after the target')");
            switched = switchWal(st);
        }
        assertTrue(streamer.awaitFlushed(switched, Duration.ofSeconds(60)));
        Eventually.until("the switched segment to be complete", () -> lastCompleteSegmentReaches(switched));
        // the store here is this same database, so every upload writes WAL of its own and new segments keep coming:
        // every segment complete before a run is off-site after it, and a run copies none of those again
        List<String> before = completeSegments();
        assertTrue(offsite.copyWal() >= before.size(), "WAL copied");
        List<String> there = keys(t);
        for (String name : before) {
            assertTrue(there.contains("backups/wal/" + name), name + " off-site");
        }
        int again = offsite.copyWal();
        List<String> after = completeSegments();
        assertTrue(again <= after.size() - before.size(), again + " copied again, " + (after.size() - before.size()) + " new");
        String walKey = keys(t).stream().filter(k -> k.matches("backups/wal/[0-9A-F]{24}")).findFirst().orElseThrow();
        byte[] wal = sdk(t).getObjectAsBytes(b -> b.bucket(t.bucket()).key(walKey)).asByteArray();
        // WAL is kept in the clear locally; off-site it is encrypted when a key is set
        assertEquals(directory.cipher().isPresent(), new String(wal, 0, 12, StandardCharsets.US_ASCII).equals("ONEBASE-ENC1"), walKey);
        assertEquals(directory.cipher().isPresent(), BackupCipher.isEncrypted(Path.of(snapshot.path())));
        streamer.stop();

        // the local backup directory is gone
        Path root = directory.root();
        Path aside = root.resolveSibling(root.getFileName() + ".aside-" + System.nanoTime());
        Files.move(root, aside);
        Path scratch = Files.createTempDirectory("onebase-offsite-test-");
        Path dir = Files.createTempDirectory("onebase-offsite-pitr-");
        try {
            assertFalse(Files.exists(root));
            OffsiteStore store = offsite.store().orElseThrow();
            if (directory.cipher().isPresent()) {
                Path keyless = Files.createTempDirectory("onebase-offsite-keyless-");
                try {
                    BackupException noKey = assertThrows(BackupException.class, () -> OffsiteCopies.fetch(store, keyless, target, Optional.empty()));
                    assertTrue(noKey.getMessage().contains("is encrypted: set onebase.backup.encryption-key"), noKey.getMessage());
                } finally {
                    Artifacts.deleteTree(keyless);
                }
            }
            OffsiteCopies.fetch(store, scratch, target, directory.cipher());
            PitrCommand.Result r = PitrCommand.recover(target, dir, scratch, tools.binDir(), Restorer.freePort(), Duration.ofMinutes(5),
                    directory.cipher());
            try {
                assertEquals(full.id(), r.backupId());
                List<String> rows = new ArrayList<>();
                try (Connection c = DriverManager.getConnection(r.cluster().jdbcUrl(db.database()), db.user(), db.password());
                        Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("select id || ':' || note from offsite_probe order by id")) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
                assertEquals(List.of("1:in the full copy", "2:in the WAL only"), rows);
            } finally {
                r.cluster().stop();
            }
            BackupException none = assertThrows(BackupException.class,
                    () -> OffsiteCopies.fetch(store, Files.createTempDirectory("onebase-offsite-none-"), full.startedAt().toInstant(), directory.cipher()));
            assertTrue(none.getMessage().contains("no verified full copy off-site"), none.getMessage());
        } finally {
            Artifacts.deleteTree(scratch);
            Artifacts.deleteTree(dir);
            Artifacts.deleteTree(root);
            Files.move(aside, root);
        }
    }

    @Test
    void theRestoreTestJobReadsTheOffSiteCopiesWhenTheLocalDirectoryIsGoneAndFailsWhenTheyAreDamaged() throws Exception {
        OffsiteStore.Target t = bucket("offsite-restore-test");
        offsite.useTarget(t);
        streamer.start();
        BackupTarget db = tools.target();
        assertTrue(streamer.awaitFlushed(db.currentLsn(), Duration.ofSeconds(60)), "pg_receivewal streams: " + streamer.status());
        BackupRecord full = fullCopies.take(BackupJobs.manual());
        assertTrue(full.verified(), full.verification());
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("create table if not exists offsite_restore_probe (id int primary key)");
            st.execute("insert into offsite_restore_probe values (1) on conflict do nothing");
        }
        BackupRecord snapshot = snapshots.take(BackupJobs.manual());
        assertTrue(snapshot.verified(), snapshot.verification());
        String switched;
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            switched = switchWal(st);
        }
        assertTrue(streamer.awaitFlushed(switched, Duration.ofSeconds(60)));
        Eventually.until("the switched segment to be complete", () -> lastCompleteSegmentReaches(switched));
        offsite.copyWal();
        streamer.stop();

        Path root = directory.root();
        Path aside = root.resolveSibling(root.getFileName() + ".aside-" + System.nanoTime());
        Files.move(root, aside);
        try {
            assertFalse(Files.exists(root));
            // the weekly job, as the scheduler runs it: both halves pass, read from the bucket
            List<Map<String, Object>> passed = runRestoreTestJob("succeeded");
            for (Map<String, Object> r : passed) {
                assertEquals("passed", r.get("status"), r.toString());
                Map<?, ?> checks = (Map<?, ?>) r.get("checks");
                assertEquals("offsite", checks.get("source"), r.toString());
                if ("full".equals(r.get("kind"))) {
                    assertEquals(full.id(), ((Number) r.get("backupId")).longValue(), r.toString());
                    assertTrue(((Number) checks.get("walFiles")).intValue() > 0, "WAL came from the bucket: " + r);
                    assertTrue(checks.get("walEndLsn") != null, r.toString());
                    assertTrue(Retention.lsn((String) checks.get("replayedToLsn")) >= Retention.lsn((String) checks.get("walEndLsn")), r.toString());
                } else {
                    assertEquals(snapshot.id(), ((Number) r.get("backupId")).longValue(), r.toString());
                    assertTrue(((Number) checks.get("tablesChecked")).intValue() > 0, r.toString());
                }
            }
            assertEquals(2, passed.size(), passed.toString());

            // damaged off-site copies (the store answers with what is there now: its ETag matches, the checksums do not)
            String base = keys(t).stream().filter(k -> k.startsWith("backups/full/" + Path.of(full.path()).getFileName() + "/base.tar"))
                    .findFirst().orElseThrow();
            String dump = "backups/snapshots/" + Path.of(snapshot.path()).getFileName();
            for (String k : List.of(base, dump)) {
                sdk(t).putObject(b -> b.bucket(t.bucket()).key(k), software.amazon.awssdk.core.sync.RequestBody.fromString("damaged"));
            }
            List<Map<String, Object>> failed = runRestoreTestJob("failed");
            assertEquals(2, failed.size(), failed.toString());
            for (Map<String, Object> r : failed) {
                assertEquals("failed", r.get("status"), r.toString());
                assertTrue(String.valueOf(r.get("error")).contains("is damaged"), r.toString());
            }
        } finally {
            Artifacts.deleteTree(root);
            Files.move(aside, root);
        }
    }

    /** Runs the backup-restore-test job through the admin API and returns the restore tests it recorded. */
    private static List<Map<String, Object>> runRestoreTestJob(String outcome) {
        long newest = newestRestoreTestId();
        // started without waiting on the HTTP answer: a restore test on a loaded machine outlasts a client's read timeout
        long run = ((Number) TestApi.asAdmin().post("/admin/jobs/backup-restore-test/run").then().statusCode(202)
                .extract().path("id")).longValue();
        String got = Eventually.until("restore-test run " + run + " to finish", Duration.ofMinutes(15),
                () -> TestApi.asAdmin().get("/admin/jobs/backup-restore-test/runs?limit=20").then().statusCode(200).extract().jsonPath()
                        .<Map<String, Object>>getList("items").stream().filter(r -> ((Number) r.get("id")).longValue() == run)
                        .map(r -> (String) r.get("outcome")).findFirst().orElse("running"),
                o -> !"running".equals(o));
        List<Map<String, Object>> tests = TestApi.asAdmin().get("/admin/backups/restore-tests?limit=10").then().statusCode(200)
                .extract().jsonPath().getList("$");
        List<Map<String, Object>> recorded = tests.stream().filter(r -> ((Number) r.get("id")).longValue() > newest).toList();
        assertEquals(outcome, got, recorded.toString());
        return recorded;
    }

    private static long newestRestoreTestId() {
        List<Map<String, Object>> tests = TestApi.asAdmin().get("/admin/backups/restore-tests?limit=1").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return tests.isEmpty() ? 0 : ((Number) tests.get(0).get("id")).longValue();
    }

    @Test
    void offSiteRetentionDeletesExpiredCopiesAndWalButKeepsTheRecoverableWindow() throws Exception {
        OffsiteStore.Target t = bucket("offsite-retention");
        offsite.useTarget(t);
        OffsiteStore store = offsite.store().orElseThrow();
        long seg = tools.target().walSegmentSize();
        // full copies: complete (onebase.json + onebase.verified) or not (a copy that failed half-way, or still arriving)
        putFull(store, "20261201T030000Z-1", 1 * seg, true);
        putFull(store, "20270115T030000Z-2", 3 * seg + 40, true);
        putFull(store, "20270125T030000Z-3", 5 * seg + 40, true);
        putFull(store, "20270127T030000Z-4", 6 * seg + 40, false);
        putFull(store, "20270220T030000Z-5", 9 * seg + 40, true);
        putFull(store, "20270228T030000Z-6", 10 * seg + 40, false);
        putSnapshot(store, "20261201T020000Z-7", true);
        putSnapshot(store, "20270110T020000Z-8", true);
        putSnapshot(store, "20270120T020000Z-9", false);
        for (int i = 1; i <= 11; i++) {
            put(store, "wal/" + String.format("00000001%08X%08X", (i * seg) >>> 32, (i * seg & 0xFFFFFFFFL) / seg), "wal " + i);
        }
        put(store, "wal/00000002.history", "1	0/A000000	before 2027-02-21");

        // 30 days (the default) before 2027-03-01 12:00 is 2027-01-30 12:00
        List<String> deleted = offsite.prune(Instant.parse("2027-03-01T12:00:00Z"));
        assertEquals(List.of(), offsite.prune(Instant.parse("2027-03-01T12:00:00Z")), "a second run finds nothing more to delete");
        List<String> left = keys(t);
        // expired: the oldest copies, a half-copied one, the snapshots but the newest complete one
        assertGone(left, "full/20261201T030000Z-1/", "full/20270115T030000Z-2/", "full/20270127T030000Z-4/",
                "snapshots/20261201T020000Z-7.", "snapshots/20270120T020000Z-9.");
        // kept: the copy recovery to 2027-01-30 12:00 starts from (taken before it), those taken since (complete or not),
        // the newest complete snapshot though it is past retention (the newer one never arrived whole)
        assertKept(left, "full/20270125T030000Z-3/", "full/20270220T030000Z-5/", "full/20270228T030000Z-6/", "snapshots/20270110T020000Z-8.");
        // WAL from the start of the oldest complete copy kept (segment 5) on; history files always
        for (int i = 1; i <= 11; i++) {
            String key = "backups/wal/" + String.format("00000001%08X%08X", (i * seg) >>> 32, (i * seg & 0xFFFFFFFFL) / seg);
            assertEquals(i >= 5, left.contains(key), key + " in " + left);
        }
        assertTrue(left.contains("backups/wal/00000002.history"), left.toString());
        assertTrue(deleted.contains("wal/" + String.format("00000001%08X%08X", (4 * seg) >>> 32, (4 * seg & 0xFFFFFFFFL) / seg)), deleted.toString());

        // six weeks later: the window starts after copy 5, which recovery to its first moment now starts from
        offsite.prune(Instant.parse("2027-04-15T12:00:00Z"));
        left = keys(t);
        assertGone(left, "full/20270125T030000Z-3/", "full/20270228T030000Z-6/");
        assertKept(left, "full/20270220T030000Z-5/", "snapshots/20270110T020000Z-8.");
        for (int i = 1; i <= 11; i++) {
            String key = "backups/wal/" + String.format("00000001%08X%08X", (i * seg) >>> 32, (i * seg & 0xFFFFFFFFL) / seg);
            assertEquals(i >= 9, left.contains(key), key + " in " + left);
        }
        // what is kept still restores: the newest complete full copy is fetched and checked against its checksums
        Path scratch = Files.createTempDirectory("onebase-offsite-retention-");
        try {
            Path got = OffsiteCopies.fetchBackup(store, "full/20270220T030000Z-5", null, scratch);
            assertTrue(Files.exists(got.resolve("base.tar")));
        } finally {
            Artifacts.deleteTree(scratch);
        }
    }

    private static void assertGone(List<String> keys, String... backups) {
        for (String b : backups) {
            assertTrue(keys.stream().noneMatch(k -> k.startsWith("backups/" + b)), b + " should be gone: " + keys);
        }
    }

    private static void assertKept(List<String> keys, String... backups) {
        for (String b : backups) {
            assertTrue(keys.stream().anyMatch(k -> k.startsWith("backups/" + b)), b + " should be kept: " + keys);
        }
    }

    private static void putFull(OffsiteStore store, String name, long startLsn, boolean complete) throws Exception {
        String base = "full/" + name + "/";
        Path tar = Files.createTempFile("onebase-offsite-", ".tar");
        try {
            Files.writeString(tar, "base of " + name);
            store.put(base + "base.tar", tar);
            if (!complete) {
                return;
            }
            String lsn = Long.toHexString(startLsn >>> 32).toUpperCase() + "/" + Long.toHexString(startLsn & 0xFFFFFFFFL).toUpperCase();
            String sha = Artifacts.sha256(tar);
            ArtifactInfo info = new ArtifactInfo(Long.parseLong(name.substring(name.indexOf('-') + 1)), BackupCatalog.FULL,
                    OffsiteCopies.takenAt(name), OffsiteCopies.takenAt(name).plusSeconds(60), lsn, lsn, 1, 10, Artifacts.combined(Map.of("base.tar", sha)),
                    Map.of("base.tar", sha), Map.of());
            put(store, base + Artifacts.INFO, Artifacts.JSON.writeValueAsString(info));
            put(store, base + Artifacts.VERIFIED, "pg_verifybackup: ok");
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    private static void putSnapshot(OffsiteStore store, String name, boolean complete) throws Exception {
        put(store, "snapshots/" + name + ".dump", "dump " + name);
        if (complete) {
            put(store, "snapshots/" + name + ".json", "{}");
        }
    }

    private static void put(OffsiteStore store, String key, String content) throws Exception {
        Path f = Files.createTempFile("onebase-offsite-", ".obj");
        try {
            Files.writeString(f, content);
            store.put(key, f);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /**
     * The end of the segment pg_switch_wal closed, not pg_current_wal_lsn() after it: any WAL written meanwhile (the
     * service's own work) moves the current position into the next segment, which never completes, and the wait for
     * it timed out (seen in CI).
     */
    private static String switchWal(Statement st) throws java.sql.SQLException {
        try (ResultSet rs = st.executeQuery("select pg_switch_wal()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private boolean lastCompleteSegmentReaches(String lsn) {
        try {
            long size = db().walSegmentSize();
            String start = Restorer.newestCompleteSegmentStart(directory.wal(), size);
            return start != null && Retention.lsn(start) + size >= Retention.lsn(lsn);
        } catch (Exception e) {
            return false;
        }
    }

    private List<String> completeSegments() throws Exception {
        return Artifacts.list(directory.wal()).stream().map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}"))
                .toList();
    }

    private BackupTarget db() {
        return tools.target();
    }

    @Test
    void backupNamesCarryTheirTime() {
        assertEquals(Instant.parse("2026-11-24T02:00:00Z"), OffsiteCopies.takenAt("full/20261124T020000Z-17"));
        assertEquals(null, OffsiteCopies.takenAt("full/.tmp"));
    }
}
