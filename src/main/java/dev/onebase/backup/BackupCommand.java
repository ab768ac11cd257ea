package dev.onebase.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code onebase backup info|check|verify}: what the backup directory holds and whether it can be trusted, read from
 * the directory alone (like pgBackRest's info, check and verify; the database may be gone). Exit status 0 when all is
 * well, 1 when something is wrong, 2 for a usage error.
 */
public final class BackupCommand {

    /** The newest restore test per kind, written by {@link RestoreTester} beside the backups. */
    static final String RESTORE_TESTS = "restore-tests.json";

    public record Copy(long id, String kind, Instant startedAt, Instant finishedAt, String startLsn, String endLsn,
            long sizeBytes, Boolean verified, boolean encrypted, String path) {
    }

    /** The archived WAL: first and last segment, whether a partial one is being written, and any missing segments. */
    public record WalRange(int segments, String first, String last, boolean partial, List<String> gaps, Instant lastWrittenAt) {
    }

    /** Point-in-time recovery reaches any moment from {@code from} to the end of the WAL ({@code toLsn}, about {@code toApprox}). */
    public record Window(Instant from, long fromBackupId, String fromLsn, String toLsn, Instant toApprox) {
    }

    public record Info(String directory, List<Copy> backups, WalRange wal, Window recoverable, String recoverableProblem,
            Map<String, Object> lastRestoreTests) {
    }

    public record Check(String name, boolean ok, String detail) {
    }

    private BackupCommand() {
    }

    /** {@code args}: "backup", then info, check or verify and their options. */
    public static int main(String... args) {
        return run(System.out, args);
    }

    static int run(PrintStream out, String... args) {
        if (args.length < 2 || !List.of("info", "check", "verify").contains(args[1])) {
            return usage("backup info|check|verify");
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if ("--json".equals(a)) {
                opts.put("json", "true");
            } else if (a.startsWith("--") && i + 1 < args.length) {
                opts.put(a.substring(2), args[++i]);
            } else {
                return usage("unexpected argument " + a);
            }
        }
        Path root = Path.of(opts.getOrDefault("backup-dir", env("ONEBASE_BACKUP_DIR", ".onebase/backups"))).toAbsolutePath();
        boolean json = opts.containsKey("json");
        try {
            Optional<BackupCipher> cipher = BackupCipher.fromBase64(opts.containsKey("encryption-key-file")
                    ? Optional.of(Files.readString(Path.of(opts.get("encryption-key-file"))))
                    : Optional.ofNullable(System.getenv("ONEBASE_BACKUP_ENCRYPTION_KEY")));
            switch (args[1]) {
                case "info" -> {
                    Info info = info(root);
                    out.println(json ? Artifacts.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(info) : text(info));
                    return 0;
                }
                case "check" -> {
                    Duration maxWalAge = Duration.parse(opts.getOrDefault("max-wal-age", "PT5M"));
                    List<Check> checks = check(root, cipher, opts.get("bin-dir"), maxWalAge);
                    return report(out, json, checks);
                }
                default -> {
                    List<Check> checks = verify(root, cipher, opts.containsKey("id") ? Long.parseLong(opts.get("id")) : null);
                    return report(out, json, checks);
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("backup " + args[1] + " failed: " + e.getMessage());
            return 1;
        }
    }

    /** Every backup in the directory, the WAL range and the recoverable window. */
    public static Info info(Path root) throws IOException {
        List<Copy> copies = new ArrayList<>();
        for (Path d : Artifacts.list(root.resolve("full"))) {
            Path infoFile = d.resolve(Artifacts.INFO);
            if (!d.getFileName().toString().startsWith(".") && Files.exists(infoFile)) {
                copies.add(copy(Artifacts.readInfo(infoFile), d, Files.exists(d.resolve(Artifacts.VERIFIED)),
                        d.resolve("backup_manifest")));
            }
        }
        for (Path f : Artifacts.list(root.resolve("snapshots"))) {
            String name = f.getFileName().toString();
            if (!name.startsWith(".") && name.endsWith(".json")) {
                Path dump = f.resolveSibling(name.replace(".json", ".dump"));
                if (Files.exists(dump)) {
                    copies.add(copy(Artifacts.readInfo(f), dump, null, dump));
                }
            }
        }
        copies.sort(Comparator.comparing(Copy::startedAt));
        WalRange wal = walRange(root.resolve("wal"));
        Window window = null;
        String problem = null;
        for (Copy c : copies) {
            if (BackupCatalog.FULL.equals(c.kind()) && Boolean.TRUE.equals(c.verified()) && c.startLsn() != null) {
                long from = segno(c.startLsn());
                boolean gapAfter = wal.gaps().stream().anyMatch(g -> Long.parseLong(g, 16) >= from);
                if (wal.last() != null && !gapAfter && Long.parseLong(wal.last(), 16) >= from) {
                    window = new Window(c.startedAt(), c.id(), c.startLsn(), lsnAfter(wal), wal.lastWrittenAt());
                    break;
                }
            }
        }
        if (window == null) {
            problem = copies.stream().noneMatch(c -> BackupCatalog.FULL.equals(c.kind()) && Boolean.TRUE.equals(c.verified()))
                    ? "no verified full copy" : "no verified full copy is followed by unbroken WAL";
        }
        Path tests = root.resolve(RESTORE_TESTS);
        @SuppressWarnings("unchecked")
        Map<String, Object> lastTests = Files.exists(tests) ? Artifacts.JSON.readValue(tests.toFile(), Map.class) : Map.of();
        return new Info(root.toString(), copies, wal, window, problem, lastTests);
    }

    private static Copy copy(ArtifactInfo a, Path path, Boolean verified, Path probe) throws IOException {
        return new Copy(a.id(), a.kind(), a.startedAt(), a.finishedAt(), a.startLsn(), a.endLsn(), a.sizeBytes(), verified,
                Files.exists(probe) && BackupCipher.isEncrypted(probe), path.toString());
    }

    // segments are compared by number (hex of log * 256 + seg for 16 MB segments is the name's last 16 characters)
    private static final int SEGMENT_NAME = 24;

    private static WalRange walRange(Path walDir) throws IOException {
        TreeSet<Long> segs = new TreeSet<>();
        boolean partial = false;
        Instant lastWritten = null;
        for (Path f : Artifacts.list(walDir)) {
            String name = f.getFileName().toString();
            if (name.matches("[0-9A-F]{24}(\\.partial)?")) {
                segs.add(Long.parseLong(name.substring(8, SEGMENT_NAME), 16));
                partial |= name.endsWith(".partial");
                Instant m = Files.getLastModifiedTime(f).toInstant();
                lastWritten = lastWritten == null || m.isAfter(lastWritten) ? m : lastWritten;
            }
        }
        List<String> gaps = new ArrayList<>();
        Long prev = null;
        for (long s : segs) {
            if (prev != null && s != prev + 1 && (s & 0xFFFFFFFFL) != 0) {
                for (long missing = prev + 1; missing < s && gaps.size() < 100; missing++) {
                    gaps.add(String.format("%016X", missing));
                }
            }
            prev = s;
        }
        return new WalRange(segs.size(), segs.isEmpty() ? null : String.format("%016X", segs.first()),
                segs.isEmpty() ? null : String.format("%016X", segs.last()), partial, gaps, lastWritten);
    }

    /** The "log+seg" number (as in a WAL file name without its timeline) of the segment holding {@code lsn}, 16 MB segments. */
    private static long segno(String lsn) {
        long pos = Retention.lsn(lsn);
        return ((pos >>> 32) << 32) | ((pos & 0xFFFFFFFFL) >>> 24);
    }

    private static String lsnAfter(WalRange wal) {
        long s = Long.parseLong(wal.last(), 16);
        return Long.toHexString(s >>> 32).toUpperCase() + "/" + Long.toHexString(((s & 0xFFFFFFFFL) + 1) << 24).toUpperCase()
                + (wal.partial() ? " (or less: the newest segment is still being written)" : "");
    }

    /** Configuration, permissions, tools, key, a usable full copy, WAL flowing, off-site. */
    public static List<Check> check(Path root, Optional<BackupCipher> cipher, String binDir, Duration maxWalAge) throws IOException {
        List<Check> checks = new ArrayList<>();
        boolean exists = Files.isDirectory(root);
        checks.add(new Check("backup directory", exists && "rwx------".equals(mode(root)),
                exists ? root + " (" + mode(root) + ")" : root + " does not exist"));
        if (!exists) {
            return checks;
        }
        List<String> open = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(p -> !p.getFileName().toString().startsWith(".")).forEach(p -> {
                String want = Files.isDirectory(p) ? "rwx------" : "rw-------";
                if (!want.equals(mode(p)) && open.size() < 10) {
                    open.add(root.relativize(p) + " " + mode(p));
                }
            });
        }
        checks.add(new Check("permissions", open.isEmpty(), open.isEmpty() ? "files 0600, directories 0700"
                : "readable by others: " + String.join(", ", open)));
        try {
            Path bin = PgTools.findBinDir(Optional.ofNullable(binDir != null ? binDir : System.getenv("ONEBASE_BACKUP_BIN_DIR")));
            List<String> missing = Stream.of("pg_basebackup", "pg_dump", "pg_restore", "pg_verifybackup", "pg_receivewal", "pg_ctl")
                    .filter(t -> !Files.isExecutable(bin.resolve(t))).toList();
            checks.add(new Check("tools", missing.isEmpty(), missing.isEmpty() ? bin.toString() : "missing in " + bin + ": " + missing));
        } catch (RuntimeException e) {
            checks.add(new Check("tools", false, e.getMessage()));
        }
        Info info = info(root);
        Optional<Copy> encrypted = info.backups().stream().filter(Copy::encrypted).reduce((a, b) -> b);
        if (encrypted.isPresent()) {
            checks.add(keyCheck(encrypted.get(), cipher));
        } else {
            checks.add(new Check("encryption", true, cipher.isPresent() ? "key set; no encrypted backup yet" : "backups are not encrypted"));
        }
        checks.add(new Check("recoverable window", info.recoverable() != null, info.recoverable() != null
                ? "from " + info.recoverable().from() + " (full copy " + info.recoverable().fromBackupId() + ") to WAL " + info.recoverable().toLsn()
                : info.recoverableProblem()));
        Instant last = info.wal().lastWrittenAt();
        boolean flowing = last != null && Duration.between(last, Instant.now()).compareTo(maxWalAge) <= 0;
        checks.add(new Check("WAL flowing", flowing, last == null ? "no WAL in " + root.resolve("wal")
                : "newest WAL written " + Duration.between(last, Instant.now()).toSeconds() + " s ago (bound " + maxWalAge
                        + "; an idle database writes none)"));
        checks.add(OffsiteCopies.check(OffsiteCopies.fromEnvironment(System::getenv)));
        return checks;
    }

    private static Check keyCheck(Copy newest, Optional<BackupCipher> cipher) {
        if (cipher.isEmpty()) {
            return new Check("encryption", false, "backups are encrypted and no key is given (ONEBASE_BACKUP_ENCRYPTION_KEY)");
        }
        Path probe = BackupCatalog.FULL.equals(newest.kind()) ? Path.of(newest.path()).resolve("backup_manifest") : Path.of(newest.path());
        try {
            cipher.get().decrypt(probe, OutputStream.nullOutputStream());
            return new Check("encryption", true, "the key decrypts " + probe);
        } catch (IOException | BackupException e) {
            return new Check("encryption", false, e.getMessage());
        }
    }

    /** Every file of every backup (or of backup {@code id}) matches its checksum, and decrypts when encrypted. */
    public static List<Check> verify(Path root, Optional<BackupCipher> cipher, Long id) throws IOException {
        List<Check> checks = new ArrayList<>();
        for (Copy c : info(root).backups()) {
            if (id != null && c.id() != id) {
                continue;
            }
            Path path = Path.of(c.path());
            Path infoFile = BackupCatalog.FULL.equals(c.kind()) ? path.resolve(Artifacts.INFO)
                    : path.resolveSibling(path.getFileName().toString().replace(".dump", ".json"));
            Path dir = BackupCatalog.FULL.equals(c.kind()) ? path : path.getParent();
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, String> f : Artifacts.readInfo(infoFile).files().entrySet()) {
                Path file = dir.resolve(f.getKey());
                if (!Files.exists(file)) {
                    problems.add(f.getKey() + " is missing");
                } else if (!Artifacts.sha256(file).equals(f.getValue())) {
                    problems.add("checksum mismatch in " + f.getKey());
                } else if (BackupCipher.isEncrypted(file)) {
                    if (cipher.isEmpty()) {
                        problems.add(f.getKey() + " is encrypted and no key is given");
                    } else {
                        try {
                            cipher.get().decrypt(file, OutputStream.nullOutputStream());
                        } catch (BackupException e) {
                            problems.add(e.getMessage());
                        }
                    }
                }
            }
            checks.add(new Check(c.kind() + " " + c.id(), problems.isEmpty(), problems.isEmpty() ? "checksums ok" : String.join("; ", problems)));
        }
        if (checks.isEmpty()) {
            checks.add(new Check("backups", false, id == null ? "no backup in " + root : "no backup " + id + " in " + root));
        }
        return checks;
    }

    private static int report(PrintStream out, boolean json, List<Check> checks) throws IOException {
        if (json) {
            out.println(Artifacts.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(checks));
        } else {
            checks.forEach(c -> out.printf("%-4s %-20s %s%n", c.ok() ? "ok" : "FAIL", c.name(), c.detail()));
        }
        return checks.stream().allMatch(Check::ok) ? 0 : 1;
    }

    private static String text(Info info) {
        StringBuilder sb = new StringBuilder("backup directory: ").append(info.directory()).append('\n');
        for (Copy c : info.backups()) {
            sb.append(String.format("%-8s %6d  %s .. %s  LSN %s .. %s  %,d bytes%s%s%n", c.kind(), c.id(), c.startedAt(),
                    c.finishedAt(), c.startLsn(), c.endLsn(), c.sizeBytes(),
                    c.verified() == null ? "" : c.verified() ? "  verified" : "  NOT verified", c.encrypted() ? "  encrypted" : ""));
        }
        WalRange w = info.wal();
        sb.append(String.format("WAL: %d segments, %s .. %s%s%s%n", w.segments(), w.first(), w.last(), w.partial() ? " (+ partial)" : "",
                w.gaps().isEmpty() ? "" : ", MISSING " + w.gaps()));
        sb.append(info.recoverable() == null ? "recoverable window: NONE (" + info.recoverableProblem() + ")\n"
                : String.format("recoverable window: %s (full copy %d, LSN %s) .. WAL %s, last written %s%n", info.recoverable().from(),
                        info.recoverable().fromBackupId(), info.recoverable().fromLsn(), info.recoverable().toLsn(), info.recoverable().toApprox()));
        info.lastRestoreTests().forEach((kind, t) -> sb.append("last restore test (").append(kind).append("): ")
                .append(t instanceof Map<?, ?> m ? m.get("status") + " at " + m.get("finishedAt") + ", " + m.get("durationMs") + " ms"
                        + (m.get("error") == null ? "" : ": " + m.get("error")) : t).append('\n'));
        return sb.toString().trim();
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int usage(String problem) {
        System.err.println("backup: " + problem);
        System.err.println("usage: backup info [--json] | check [--json] [--max-wal-age PT5M] [--bin-dir DIR] | verify [--json] [--id N]");
        System.err.println("       options for all: [--backup-dir DIR] [--encryption-key-file FILE, else ONEBASE_BACKUP_ENCRYPTION_KEY]");
        return 2;
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }
}
