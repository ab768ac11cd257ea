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
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("insert into offsite_probe values (2, 'in the WAL only')");
            try (ResultSet rs = st.executeQuery("select clock_timestamp()")) {
                rs.next();
                target = rs.getTimestamp(1).toInstant();
            }
            Thread.sleep(20);
            st.execute("insert into offsite_probe values (3, 'after the target')");
            st.execute("select pg_switch_wal()");
        }
        String switched = db.currentLsn();
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
