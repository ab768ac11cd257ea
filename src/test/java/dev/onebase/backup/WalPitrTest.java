package dev.onebase.backup;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
import dev.onebase.db.EmbeddedPostgres;
import dev.onebase.db.Processes;
import dev.onebase.testsupport.Eventually;
import io.quarkus.test.junit.QuarkusTest;

/** Continuous WAL, its supervision, the full-copy restore test and point-in-time recovery, end to end. */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalPitrTest {

    @Inject
    WalStreamer streamer;
    @Inject
    FullCopies fullCopies;
    @Inject
    BackupDirectory directory;
    @Inject
    RestoreTester tester;
    @Inject
    PgTools tools;
    @Inject
    BackupCatalog catalog;
    @Inject
    BackupAlerts alerts;

    static WalStreamer started;

    @AfterAll
    static void stopStreaming() {
        if (started != null) {
            started.stop();
        }
    }

    private void streaming() throws Exception {
        streamer.start();
        started = streamer;
        // the streamer starts on its own thread: until then process() may still be an earlier start's exited receiver
        Eventually.until("pg_receivewal to run", () -> streamer.process() != null && streamer.process().isAlive());
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(60)),
                "pg_receivewal streams: " + streamer.status());
    }

    @Test
    @Order(1)
    void aKilledPgReceivewalIsRestarted() throws Exception {
        streaming();
        Process first = streamer.process();
        int restarts = streamer.restarts();
        // through the Process itself: a handle looked up by pid is gone if it had just exited (the restart still follows)
        first.destroyForcibly();
        Eventually.until("a new pg_receivewal to run", () -> streamer.process() != first && streamer.process().isAlive());
        assertNotEquals(first.pid(), streamer.process().pid());
        assertTrue(streamer.process().isAlive());
        assertEquals(restarts + 1, streamer.restarts());
        assertTrue(streamer.status().lastError().contains("pg_receivewal exited"), streamer.status().lastError());
        // and it streams again
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(60)));
        assertTrue(streamer.status().holdsLock());
        assertNotNull(BackupLocks.tryLock(tools.target(), "backup-none") , "sanity: other lock names are free");
        try (BackupLocks.Held second = BackupLocks.tryLock(tools.target(), "wal-stream")) {
            assertEquals(null, second, "a second replica cannot stream at the same time");
        }
    }

    /**
     * A receiver killed while it filled a new segment with zeros (before any WAL went into it) leaves a .partial of
     * neither 0 bytes nor a whole segment, which pg_receivewal refuses for good: "has 12992512 bytes, should be 0 or
     * 16777216", seen in CI after a kill. The streamer must finish the fill and stream again.
     */
    @Test
    @Order(1)
    void aPartialSegmentLeftHalfFilledDoesNotStopStreaming() throws Exception {
        streaming();
        streamer.stop();
        java.nio.file.Path partial;
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(directory.wal())) {
            partial = files.filter(f -> f.getFileName().toString().endsWith(".partial")).findFirst().orElseThrow();
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(partial, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(12_992_512);
        }
        streamer.start();
        try (Connection c = tools.target().connect(); Statement st = c.createStatement()) {
            st.execute("create table if not exists wal_probe (id int)");
            st.execute("insert into wal_probe select generate_series(1, 1000)");
        }
        // before the fix pg_receivewal exited on the file at every restart and this WAL never arrived
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(30)), "streams again: " + streamer.status());
        if (java.nio.file.Files.exists(partial)) { // else already completed and renamed
            assertEquals(16L * 1024 * 1024, java.nio.file.Files.size(partial), "the fill was finished where it stopped");
        }
    }

    @Test
    @Order(2)
    void pointInTimeRecoveryBringsBackDeletedRowsAndNothingWrittenAfter() throws Exception {
        streaming();
        BackupTarget t = tools.target();
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            st.execute("create table if not exists pitr_probe (id int primary key, note text)");
            st.execute("truncate pitr_probe");
        }
        BackupRecord full = fullCopies.take(BackupJobs.manual());
        assertTrue(full.verified(), full.verification());

        Instant target;
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            st.execute("insert into pitr_probe values (1, 'before'), (2, 'before'), (3, 'before')");
            try (ResultSet rs = st.executeQuery("select clock_timestamp()")) {
                rs.next();
                target = rs.getTimestamp(1).toInstant();
            }
            Thread.sleep(20);
            st.execute("delete from pitr_probe");
            st.execute("insert into pitr_probe values (100, 'after T')");
        }
        assertTrue(streamer.awaitFlushed(t.currentLsn(), Duration.ofSeconds(60)));

        Path dir = Files.createTempDirectory("onebase-pitr-");
        PitrCommand.Result r = PitrCommand.recover(target, dir, directory.root(), tools.binDir(), Restorer.freePort(),
                Duration.ofMinutes(5), directory.cipher());
        try {
            assertEquals(full.id(), r.backupId());
            assertTrue(r.walFiles() > 0);
            assertEquals("in production", r.cluster().state(), "promoted");
            List<String> rows = new ArrayList<>();
            try (Connection c = DriverManager.getConnection(r.cluster().jdbcUrl(t.database()), t.user(), t.password());
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select id || ':' || note from pitr_probe order by id")) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            assertEquals(List.of("1:before", "2:before", "3:before"), rows);
        } finally {
            r.cluster().stop();
            Artifacts.deleteTree(dir);
        }
        // the source still has what was written after T
        try (Connection c = t.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from pitr_probe where id = 100")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    @Order(3)
    void theFullCopyRestoreTestReplaysWalInAScratchCluster() throws Exception {
        streaming();
        RestoreTestRecord r = tester.testFullCopy(tools.target(), BackupJobs.manual());
        assertEquals("passed", r.status(), r.error());
        assertTrue(((Number) r.checks().get("walFiles")).intValue() > 0);
        assertNotNull(r.checks().get("recoveredToLsn"));
        assertNotNull(r.durationMs());
    }

    @Test
    @Order(4)
    void pitrCommandRejectsBadArguments() {
        assertEquals(2, PitrCommand.main("pitr"));
        assertEquals(2, PitrCommand.main("pitr", "--target-time", "yesterday", "--dir", "/tmp/x"));
        assertEquals(1, PitrCommand.main("pitr", "--target-time", "2000-01-01T00:00:00Z", "--dir",
                directory.root().resolve("never").toString(), "--backup-dir", directory.root().toString(), "--bin-dir",
                tools.binDir().toString()));
    }

    @Test
    @Order(5)
    void aSecondFullCopyTheSameDayKeepsTheFirstAndItsWalAndThePrintedStopCommandWorksAsRoot() throws Exception {
        streaming();
        BackupTarget t = tools.target();
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            // as if the history began here: earlier full copies (taken while nothing streamed) are gone
            for (BackupRecord old : catalog.list(BackupCatalog.FULL, 1000)) {
                if (old.path() != null && !"deleted".equals(old.status())) {
                    Artifacts.deleteTree(Path.of(old.path()));
                }
            }
            st.execute("update backups set status = 'deleted' where kind = 'full'");
            st.execute("create table if not exists retention_probe (id int primary key)");
            st.execute("truncate retention_probe");
        }
        BackupRecord first = fullCopies.take(BackupJobs.manual());
        assertTrue(first.verified(), first.verification());
        Instant between;
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            st.execute("insert into retention_probe values (1), (2)");
            try (ResultSet rs = st.executeQuery("select clock_timestamp()")) {
                rs.next();
                between = rs.getTimestamp(1).toInstant();
            }
            Thread.sleep(20);
            st.execute("insert into retention_probe values (3)");
        }
        BackupRecord second = fullCopies.take(BackupJobs.manual());
        assertTrue(second.verified(), second.verification());
        assertTrue(Files.exists(Path.of(first.path())), "the oldest full copy of the day is kept: PITR before the second needs it");
        assertEquals("succeeded", catalog.get(first.id()).status());
        assertTrue(streamer.awaitFlushed(t.currentLsn(), Duration.ofSeconds(60)));

        Path dir = Files.createTempDirectory("onebase-pitr-between-");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        System.setOut(new PrintStream(out, true));
        try {
            exit = PitrCommand.main("pitr", "--target-time", between.toString(), "--dir", dir.toString(), "--backup-dir",
                    directory.root().toString(), "--bin-dir", tools.binDir().toString());
        } finally {
            System.setOut(stdout);
        }
        String printed = out.toString();
        assertEquals(0, exit, printed);
        Path data = dir.resolve("pgdata");
        try {
            Matcher port = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(printed);
            assertTrue(port.find(), printed);
            List<Integer> rows = new ArrayList<>();
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port.group(1) + "/" + t.database(),
                    t.user(), t.password()); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select id from retention_probe order by id")) {
                while (rs.next()) {
                    rows.add(rs.getInt(1));
                }
            }
            assertEquals(List.of(1, 2), rows, "recovered to the moment between the two copies");
            String stop = printed.substring(printed.indexOf("Stop it with: ") + "Stop it with: ".length()).trim();
            Processes.run(List.of("bash", "-c", stop), null, 180);
            assertFalse(Files.exists(data.resolve("postmaster.pid")), "the printed command stopped the server: " + stop);
        } finally {
            new Restorer.Cluster(tools.binDir(), data, 0, EmbeddedPostgres.serverOsUser()).stop();
            Artifacts.deleteTree(dir);
        }
    }

    @Test
    @Order(6)
    void aFullCopyRestoreTestThatStopsShortOfTheKeptWalFails() throws Exception {
        streaming();
        BackupTarget t = tools.target();
        BackupRecord full = catalog.newestVerified(BackupCatalog.FULL);
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            st.execute("create table if not exists wal_filler (id int primary key, pad text)");
            st.execute("insert into wal_filler select g, repeat(md5(g::text), 40) from generate_series(1, 40000) g on conflict do nothing");
            st.execute("select pg_switch_wal()");
            st.execute("insert into wal_filler values (-1, 'after the switch') on conflict do nothing");
        }
        assertTrue(streamer.awaitFlushed(t.currentLsn(), Duration.ofSeconds(60)));
        long segSize = t.walSegmentSize();
        long fromSeg = Retention.lsn(full.startLsn()) / segSize;
        List<Path> segments = new ArrayList<>();
        for (Path f : Artifacts.list(directory.wal())) {
            String name = f.getFileName().toString();
            if (name.matches("[0-9A-F]{24}") && !Retention.walDeletable(name, full.startLsn(), segSize)
                    && Long.parseLong(name.substring(16, 24), 16) > fromSeg) {
                segments.add(f);
            }
        }
        assertTrue(segments.size() >= 2, "WAL spans several segments after the full copy: " + segments);
        Path victim = segments.get(0);
        byte[] original = Files.readAllBytes(victim);
        byte[] broken = original.clone();
        for (int i = 8192; i < 3 * 8192; i++) {
            broken[i] = (byte) 0xAB;
        }
        Files.write(victim, broken);
        try {
            RestoreTestRecord r = tester.testFullCopy(t, BackupJobs.manual());
            assertEquals("failed", r.status(), "replay stopped in " + victim.getFileName() + " yet the test passed: " + r.checks());
            assertTrue(r.error().contains("short of the kept WAL"), r.error());
            assertNotNull(r.checks().get("replayedToLsn"));
            assertNotNull(r.checks().get("walEndLsn"));
        } finally {
            Files.write(victim, original);
        }
        RestoreTestRecord again = tester.testFullCopy(t, BackupJobs.manual());
        assertEquals("passed", again.status(), again.error());
    }

    @Test
    @Order(7)
    void whenStreamingStopsTheWalAgeGrowsAndAlerts() throws Exception {
        streaming();
        assertTrue(streamer.walAgeSeconds(Instant.now()) < 30, "caught up: " + streamer.walAgeSeconds(Instant.now()));
        given().get("/q/metrics").then().statusCode(200).body(containsString("onebase_backup_wal_age_seconds"));
        // the slot disappears (as if dropped by hand): pg_receivewal cannot stream any more and keeps being restarted
        BackupTarget t = tools.target();
        Eventually.until("the slot to be dropped", () -> {
            try (Connection c = t.connect(); Statement st = c.createStatement()) {
                st.execute("select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = 'onebase_wal' and active");
                st.execute("select pg_drop_replication_slot('onebase_wal')");
                return true;
            } catch (SQLException busy) {
                return false;
            }
        });
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            st.execute("insert into wal_filler values (-2, 'not streamed') on conflict do nothing");
        }
        double first = streamer.walAgeSeconds(Instant.now());
        Thread.sleep(2500);
        assertTrue(streamer.walAgeSeconds(Instant.now()) >= first + 2, "the age keeps growing while nothing streams: "
                + streamer.status());
        int before = alerts.recent().size();
        Instant later = Instant.now().plus(Duration.ofMinutes(6)); // past the 5-minute default bound
        streamer.alertIfStale(later);
        streamer.alertIfStale(later.plusSeconds(30));
        assertEquals(before + 1, alerts.recent().size(), "one alert per episode");
        assertEquals("wal-stale", alerts.recent().get(0).event());
    }
}
