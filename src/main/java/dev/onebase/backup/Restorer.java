package dev.onebase.backup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.onebase.db.EmbeddedPostgres;
import dev.onebase.db.Processes;

/**
 * Turns a full copy (tar files + backup_manifest) back into a running PostgreSQL: extraction, the WAL it needs
 * copied beside it, recovery settings, a server started as an unprivileged OS user when we are root (PostgreSQL
 * refuses to run as root), and waiting until recovery is over.
 */
public final class Restorer {

    static final DateTimeFormatter PG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSx").withZone(ZoneOffset.UTC);

    private Restorer() {
    }

    /**
     * Extracts base.tar[.zst|.lz4|.gz] into {@code dataDir} and pg_wal.tar[...] into its pg_wal, decrypting them first
     * (beside {@code dataDir}) when they are encrypted.
     */
    public static void extract(Path backupDir, Path dataDir, Optional<BackupCipher> cipher) throws IOException {
        Files.createDirectories(dataDir);
        Path decrypted = dataDir.resolveSibling("." + dataDir.getFileName() + ".decrypted");
        try {
            extract(backupDir, dataDir, cipher, decrypted);
        } finally {
            Artifacts.deleteTree(decrypted);
        }
    }

    private static void extract(Path backupDir, Path dataDir, Optional<BackupCipher> cipher, Path decrypted) throws IOException {
        boolean base = false;
        for (Path f : Artifacts.list(backupDir)) {
            String name = f.getFileName().toString();
            if (!name.contains(".tar")) {
                continue;
            }
            Path into;
            if (name.startsWith("base.tar")) {
                into = dataDir;
                base = true;
            } else if (name.startsWith("pg_wal.tar")) {
                into = dataDir.resolve("pg_wal");
            } else {
                throw new BackupException("full copy " + backupDir + " has a tablespace archive " + name + ": not supported");
            }
            Files.createDirectories(into);
            Path source = BackupCipher.readable(f, cipher, decrypted);
            List<String> cmd = new ArrayList<>(List.of("tar", "-x", "-f", source.toString(), "-C", into.toString()));
            if (name.endsWith(".zst")) {
                cmd.addAll(List.of("-I", "zstd"));
            } else if (name.endsWith(".lz4")) {
                cmd.addAll(List.of("-I", "lz4"));
            } else if (name.endsWith(".gz")) {
                cmd.add("-z");
            }
            Processes.command(cmd).named("tar (extract " + name + ")").timeout(Duration.ofHours(6)).run();
            if (!source.equals(f)) {
                Files.delete(source);
            }
        }
        if (!base) {
            throw new BackupException("full copy " + backupDir + " has no base.tar");
        }
    }

    /** Copies the archived WAL from the segment holding {@code fromLsn} on (history files always) into {@code dest}. */
    public static int copyWal(Path archive, Path dest, String fromLsn, long segmentSize) throws IOException {
        return copyWal(Artifacts.list(archive), dest, fromLsn, segmentSize);
    }

    static int copyWal(List<Path> listed, Path dest, String fromLsn, long segmentSize) throws IOException {
        Files.createDirectories(dest);
        int n = 0;
        for (Path f : listed) {
            String name = f.getFileName().toString();
            boolean wal = name.matches("[0-9A-F]{24}(\\.partial)?");
            if (!(wal || name.endsWith(".history"))) {
                continue;
            }
            if (wal && fromLsn != null && Retention.walDeletable(name, fromLsn, segmentSize)) {
                continue;
            }
            copyWalFile(f, dest);
            n++;
        }
        return n;
    }

    /**
     * pg_receivewal renames its {@code .partial} segment once the segment is complete, which can happen between the
     * listing and the copy: then the completed segment is what there is to copy.
     */
    private static void copyWalFile(Path f, Path dest) throws IOException {
        String name = f.getFileName().toString();
        try {
            Files.copy(f, dest.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        } catch (java.nio.file.NoSuchFileException gone) {
            if (!name.endsWith(".partial")) {
                throw gone;
            }
            Path completed = f.resolveSibling(name.substring(0, name.length() - ".partial".length()));
            Files.copy(completed, dest.resolve(completed.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Where the newest complete WAL segment in {@code walDir} starts ("X/Y"), or null when there is none: recovery from
     * that WAL must reach at least this far. (A trailing {@code .partial} segment may end inside a record, so it sets no
     * bound.)
     */
    public static String newestCompleteSegmentStart(Path walDir, long segmentSize) throws IOException {
        long newest = -1;
        long segsPerXlogId = 0x100000000L / segmentSize;
        for (Path f : Artifacts.list(walDir)) {
            String name = f.getFileName().toString();
            if (name.matches("[0-9A-F]{24}")) {
                newest = Math.max(newest, Long.parseLong(name.substring(8, 16), 16) * segsPerXlogId
                        + Long.parseLong(name.substring(16, 24), 16));
            }
        }
        if (newest < 0) {
            return null;
        }
        long lsn = newest * segmentSize;
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /**
     * Writes the recovery settings: restore_command reading {@code walDir} (a complete segment, else the partial one
     * pg_receivewal is still writing), the target when given, and a private port.
     */
    public static void configureRecovery(Path dataDir, int port, Path walDir, Instant targetTime, String targetAction)
            throws IOException {
        String wal = walDir.toAbsolutePath().toString();
        if (!wal.matches("[A-Za-z0-9_./+-]+")) {
            throw new BackupException("the WAL directory path must be plain (letters, digits, _ . / + -): " + wal);
        }
        StringBuilder conf = new StringBuilder("\n# onebase restore\n")
                .append("port = ").append(port).append('\n')
                .append("listen_addresses = '127.0.0.1'\n")
                .append("unix_socket_directories = ''\n")
                .append("archive_mode = off\n")
                .append("hot_standby = on\n")
                .append("restore_command = 'cp \"").append(wal).append("/%f\" \"%p\" 2>/dev/null || cp \"").append(wal)
                .append("/%f.partial\" \"%p\"'\n");
        if (targetTime != null) {
            conf.append("recovery_target_time = '").append(PG_TIME.format(targetTime)).append("'\n")
                    .append("recovery_target_inclusive = on\n")
                    .append("recovery_target_action = '").append(targetAction).append("'\n");
        } else if ("immediate".equals(targetAction)) {
            conf.append("recovery_target = 'immediate'\nrecovery_target_action = 'promote'\n");
        }
        Files.writeString(dataDir.resolve("postgresql.auto.conf"), conf.toString(), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        Files.deleteIfExists(dataDir.resolve("standby.signal"));
        Files.writeString(dataDir.resolve("recovery.signal"), "");
    }

    /** A PostgreSQL server on a restored data directory. */
    public record Cluster(Path binDir, Path dataDir, int port, String osUser) {

        public String jdbcUrl(String db) {
            return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
        }

        public void stop() {
            if (Files.exists(dataDir.resolve("postmaster.pid"))) {
                try {
                    Processes.run(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "stop", "-m", "fast",
                            "-w", "-t", "120"), osUser, 180);
                } catch (RuntimeException e) {
                    // already gone
                }
            }
        }

        /** The shell command that stops it: as the OS user it runs as (pg_ctl refuses to run as root). */
        public String stopCommand() {
            String pgCtl = binDir.resolve("pg_ctl") + " -D " + dataDir + " stop -m fast";
            return osUser == null ? pgCtl : "runuser -u " + osUser + " -- " + pgCtl;
        }

        /** pg_controldata's "Database cluster state". */
        public String state() {
            String out = Processes.run(List.of(binDir.resolve("pg_controldata").toString(), dataDir.toString()), null, 60);
            return out.lines().filter(l -> l.startsWith("Database cluster state:")).map(l -> l.substring(23).trim())
                    .findFirst().orElse("unknown");
        }

        public boolean running() {
            try {
                Processes.run(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "status"), osUser, 30);
                return true;
            } catch (IllegalStateException e) {
                return false;
            }
        }

        public String logTail() {
            try {
                List<String> lines = Files.readAllLines(dataDir.resolveSibling(dataDir.getFileName() + ".log"));
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            } catch (IOException e) {
                return "";
            }
        }

        /** Waits until recovery is over and the server runs as a primary ("in production"). */
        public void awaitProduction(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if ("in production".equals(state()) && running()) {
                    return;
                }
                if (!running()) {
                    throw new BackupException("the restored server stopped during recovery: " + logTail());
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BackupException("interrupted while waiting for recovery");
                }
            }
            throw new BackupException("recovery did not finish within " + timeout + ": " + logTail());
        }
    }

    /** Hands {@code dataDir} (and the WAL copy) to the server user and starts PostgreSQL on it. */
    public static Cluster start(Path binDir, Path dataDir, int port, Path walDir) {
        String user = EmbeddedPostgres.serverOsUser();
        if (user != null) {
            Processes.run(List.of("chown", "-R", user, dataDir.toString(), walDir.toString()), null, 600);
            Processes.run(List.of("chown", user, dataDir.getParent().toString()), null, 60);
        }
        Processes.run(List.of("chmod", "700", dataDir.toString()), null, 60);
        Cluster c = new Cluster(binDir, dataDir, port, user);
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        try {
            Processes.run(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "start", "-w", "-t", "3600",
                    "-l", log.toString()), user, 3700);
        } catch (IllegalStateException e) {
            throw new BackupException("the restored server did not start: " + e.getMessage() + "\n" + c.logTail());
        }
        return c;
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new BackupException("no free port: " + e.getMessage());
        }
    }
}
