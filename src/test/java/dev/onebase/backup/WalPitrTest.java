package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupCatalog.RestoreTestRecord;
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
        assertTrue(streamer.awaitFlushed(tools.target().currentLsn(), Duration.ofSeconds(60)),
                "pg_receivewal streams: " + streamer.status());
    }

    @Test
    @Order(1)
    void aKilledPgReceivewalIsRestarted() throws Exception {
        streaming();
        Process first = streamer.process();
        int restarts = streamer.restarts();
        ProcessHandle.of(first.pid()).orElseThrow().destroyForcibly();
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
                Duration.ofMinutes(5));
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
}
