package dev.onebase.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.onebase.backup.BackupCatalog.BackupRecord;

/** Retention carried out on real files: the backups and the WAL that go, and what stays (no database needed). */
class PrunerTest {

    private final Path root;
    private final List<BackupRecord> live = new ArrayList<>();

    PrunerTest() throws Exception {
        root = Files.createTempDirectory("onebase-pruner-");
        Files.createDirectories(root.resolve("full"));
        Files.createDirectories(root.resolve("snapshots"));
        Files.createDirectories(root.resolve("wal"));
    }

    @AfterEach
    void cleanUp() {
        Artifacts.deleteTree(root);
    }

    private void full(long id, String at, String lsn) throws Exception {
        Path dir = Files.createDirectories(root.resolve("full").resolve("copy-" + id));
        Files.writeString(dir.resolve("base.tar.zst"), "base " + id);
        Files.writeString(dir.resolve(Artifacts.INFO), "{}");
        live.add(record(id, BackupCatalog.FULL, dir, at, lsn));
    }

    private void snapshot(long id, String at) throws Exception {
        Path dump = root.resolve("snapshots").resolve("snap-" + id + ".dump");
        Files.writeString(dump, "dump " + id);
        Files.writeString(root.resolve("snapshots").resolve("snap-" + id + ".json"), "{}");
        live.add(record(id, BackupCatalog.SNAPSHOT, dump, at, "0/1"));
    }

    private static BackupRecord record(long id, String kind, Path path, String at, String lsn) {
        OffsetDateTime started = OffsetDateTime.parse(at);
        return new BackupRecord(id, kind, "succeeded", path.toString(), "test", started, started.plusMinutes(5), lsn, lsn, 1L,
                1L, 1L, "x", true, "ok", null, null);
    }

    private Set<String> files(String dir) throws Exception {
        Set<String> names = new TreeSet<>();
        for (Path p : Artifacts.list(root.resolve(dir))) {
            names.add(p.getFileName().toString());
        }
        return names;
    }

    @Test
    void twoCopiesOnNewYearsEveAndOneOnNewYearsDay() throws Exception {
        full(1, "2026-12-31T01:00:00Z", "0/1000028");
        full(2, "2026-12-31T23:00:00Z", "0/3000028");
        full(3, "2027-01-01T12:00:00Z", "0/5000028");
        snapshot(4, "2026-12-31T02:00:00Z");
        snapshot(5, "2027-01-01T02:00:00Z");
        for (int seg = 1; seg <= 6; seg++) {
            Files.writeString(root.resolve("wal").resolve(String.format("0000000100000000%08X", seg)), "wal");
        }
        Files.writeString(root.resolve("wal").resolve("000000010000000000000007.partial"), "wal");
        Files.writeString(root.resolve("wal").resolve("00000002.history"), "history");

        Retention.Decision d = Retention.decide(Pruner.items(live), new Retention.Policy(1, 0, 0), ZoneOffset.UTC,
                Instant.parse("2027-01-01T13:00:00Z"));
        List<Long> marked = new ArrayList<>();
        List<Long> deleted = Pruner.apply(live, d, root.resolve("wal"), 16L * 1024 * 1024, marked::add);

        assertEquals(List.of(1L, 4L), deleted);
        assertEquals(deleted, marked);
        // copy 2 is where recovery to any moment of New Year's Day starts: kept, with its WAL
        assertEquals(Set.of("copy-2", "copy-3"), files("full"));
        assertEquals(Set.of("snap-5.dump", "snap-5.json"), files("snapshots"));
        assertEquals(Set.of("000000010000000000000003", "000000010000000000000004", "000000010000000000000005",
                "000000010000000000000006", "000000010000000000000007.partial", "00000002.history"), files("wal"));
    }
}
