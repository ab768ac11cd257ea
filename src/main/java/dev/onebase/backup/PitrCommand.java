package dev.onebase.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.onebase.db.Processes;

/**
 * Point-in-time recovery from the backup directory alone (the database may be gone):
 * {@code java -jar quarkus-run.jar pitr --target-time 2026-11-24T14:46:00Z --dir /srv/recovered}. It picks the newest
 * full copy that finished before the target and that pg_verifybackup accepted ({@code onebase.verified}), checks its
 * checksums, extracts it into DIR/pgdata, copies the WAL kept by onebase into DIR/wal, points restore_command at it,
 * sets recovery_target_time with recovery_target_action=promote, starts PostgreSQL and waits until the target is
 * reached and the server promoted. The recovered server keeps running on the printed port.
 */
public final class PitrCommand {

    public record Result(long backupId, Path backupDir, Restorer.Cluster cluster, int walFiles) {
    }

    private PitrCommand() {
    }

    /** The {@code pitr} sub-command of the jar; returns the exit status. */
    public static int main(String... args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if ("--from-offsite".equals(a)) {
                opts.put("from-offsite", "true");
            } else if (a.startsWith("--") && a.contains("=")) {
                opts.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else if (a.startsWith("--") && i + 1 < args.length) {
                opts.put(a.substring(2), args[++i]);
            } else {
                return usage("unexpected argument " + a);
            }
        }
        if (!opts.containsKey("target-time") || !opts.containsKey("dir")) {
            return usage("--target-time and --dir are required");
        }
        Instant target;
        try {
            target = OffsetDateTime.parse(opts.get("target-time")).toInstant();
        } catch (RuntimeException e) {
            return usage("--target-time must be ISO 8601 with an offset, e.g. 2026-11-24T14:46:00Z");
        }
        Path backups = Path.of(opts.getOrDefault("backup-dir", env("ONEBASE_BACKUP_DIR", ".onebase/backups")));
        try {
            Path bin = PgTools.findBinDir(Optional.ofNullable(opts.getOrDefault("bin-dir", System.getenv("ONEBASE_BACKUP_BIN_DIR"))));
            int port = opts.containsKey("port") ? Integer.parseInt(opts.get("port")) : Restorer.freePort();
            Optional<BackupCipher> cipher = BackupCipher.fromBase64(opts.containsKey("encryption-key-file")
                    ? Optional.of(Files.readString(Path.of(opts.get("encryption-key-file"))))
                    : Optional.ofNullable(System.getenv("ONEBASE_BACKUP_ENCRYPTION_KEY")));
            Path fetched = null;
            if (opts.containsKey("from-offsite")) {
                if (!"true".equals(opts.get("from-offsite"))) {
                    return usage("--from-offsite takes no value");
                }
                OffsiteStore store = OffsiteCopies.fromEnvironment(System::getenv).orElse(null);
                if (store == null) {
                    return usage("--from-offsite needs ONEBASE_BACKUP_OFFSITE_ENDPOINT and ONEBASE_BACKUP_OFFSITE_BUCKET (and the key id and secret)");
                }
                fetched = OffsiteCopies.fetch(store, Files.createTempDirectory("onebase-offsite-"), target, cipher);
                backups = fetched;
            }
            Result r;
            try {
                r = recover(target, Path.of(opts.get("dir")), backups, bin, port, Duration.ofHours(24), cipher);
            } finally {
                Artifacts.deleteTree(fetched);
            }
            System.out.printf("Recovered to %s from full copy %d (%s) plus %d WAL files.%n", target, r.backupId(), r.backupDir(),
                    r.walFiles());
            System.out.printf("PostgreSQL runs on 127.0.0.1:%d with data in %s (same roles and passwords as the backed-up "
                    + "database). Stop it with: %s%n", port, r.cluster().dataDir(), r.cluster().stopCommand());
            return 0;
        } catch (RuntimeException | IOException e) {
            System.err.println("pitr failed: " + e.getMessage());
            return 1;
        }
    }

    /** Restores to {@code target} into {@code dir} (empty or absent) and returns the running, promoted cluster. */
    public static Result recover(Instant target, Path dir, Path backupRoot, Path binDir, int port, Duration timeout,
            Optional<BackupCipher> cipher) throws IOException {
        dir = dir.toAbsolutePath();
        backupRoot = backupRoot.toAbsolutePath();
        if (Files.exists(dir) && !Artifacts.list(dir).isEmpty()) {
            throw new BackupException(dir + " is not empty");
        }
        List<Map.Entry<Path, ArtifactInfo>> candidates = new ArrayList<>();
        for (Path d : Artifacts.list(backupRoot.resolve("full"))) {
            Path info = d.resolve(Artifacts.INFO);
            if (!d.getFileName().toString().startsWith(".") && Files.exists(info) && Files.exists(d.resolve(Artifacts.VERIFIED))) {
                ArtifactInfo a = Artifacts.readInfo(info);
                if (a.finishedAt() != null && a.finishedAt().isBefore(target)) {
                    candidates.add(Map.entry(d, a));
                }
            }
        }
        candidates.sort(Comparator.comparing((Map.Entry<Path, ArtifactInfo> e) -> e.getValue().finishedAt()).reversed());
        Map.Entry<Path, ArtifactInfo> chosen = null;
        for (Map.Entry<Path, ArtifactInfo> c : candidates) {
            if (checksumsMatch(c.getKey(), c.getValue())) {
                chosen = c;
                break;
            }
            System.err.println("skipping full copy " + c.getKey() + ": checksum mismatch");
        }
        if (chosen == null) {
            throw new BackupException("no verified, intact full copy in " + backupRoot.resolve("full") + " finished before " + target);
        }
        Path data = dir.resolve("pgdata");
        Path wal = dir.resolve("wal");
        Files.createDirectories(dir);
        Restorer.extract(chosen.getKey(), data, cipher);
        long segSize = segmentSize(binDir, data);
        int walFiles = Restorer.copyWal(backupRoot.resolve("wal"), wal, chosen.getValue().startLsn(), segSize);
        Restorer.configureRecovery(data, port, wal, target, "promote");
        Restorer.Cluster cluster = Restorer.start(binDir, data, port, wal);
        try {
            cluster.awaitProduction(timeout);
        } catch (BackupException e) {
            cluster.stop();
            throw e;
        }
        return new Result(chosen.getValue().id(), chosen.getKey(), cluster, walFiles);
    }

    private static boolean checksumsMatch(Path dir, ArtifactInfo info) throws IOException {
        for (Map.Entry<String, String> f : info.files().entrySet()) {
            Path p = dir.resolve(f.getKey());
            if (!Files.exists(p) || !Artifacts.sha256(p).equals(f.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static long segmentSize(Path binDir, Path data) {
        String out = Processes.run(List.of(binDir.resolve("pg_controldata").toString(), data.toString()), null, 60);
        return out.lines().filter(l -> l.startsWith("Bytes per WAL segment:")).map(l -> Long.parseLong(l.substring(22).trim()))
                .findFirst().orElse(16L * 1024 * 1024);
    }

    private static int usage(String problem) {
        System.err.println("pitr: " + problem);
        System.err.println("usage: pitr --target-time 2026-11-24T14:46:00Z --dir DIR [--backup-dir DIR] [--bin-dir DIR] [--port N] "
                + "[--encryption-key-file FILE, else ONEBASE_BACKUP_ENCRYPTION_KEY] [--from-offsite]");
        return 2;
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }
}
