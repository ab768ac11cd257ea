package dev.onebase.backup;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Off-site copies ({@code onebase.backup.offsite.*}): every verified backup and every complete WAL segment goes to an
 * S3-compatible bucket under the same relative names as in the backup directory (snapshots/, full/NAME/, wal/), so
 * {@link #fetch} can rebuild a backup directory from the bucket alone for {@link PitrCommand}. Backups go encrypted
 * when they are encrypted locally; WAL, kept in the clear locally, is encrypted on the way when a key is set.
 */
@ApplicationScoped
public class OffsiteCopies {

    private static final Logger LOG = Logger.getLogger(OffsiteCopies.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final String WAL = "wal/";

    private final BackupConfig config;
    private final BackupDirectory directory;
    private final PgTools tools;
    private volatile OffsiteStore.Target override;

    public OffsiteCopies(BackupConfig config, BackupDirectory directory, PgTools tools) {
        this.config = config;
        this.directory = directory;
        this.tools = tools;
    }

    /** Points off-site copies at {@code target} instead of the configuration (tests; null goes back to it). */
    void useTarget(OffsiteStore.Target target) {
        override = target;
    }

    /** The store, when one is configured. */
    Optional<OffsiteStore> store() {
        if (override != null) {
            return Optional.of(new OffsiteStore(override));
        }
        BackupConfig.Offsite o = config.offsite();
        if (o.endpoint().isEmpty() || o.bucket().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new OffsiteStore(new OffsiteStore.Target(o.endpoint().get(), o.bucket().get(), o.region(),
                o.accessKeyId().orElse(""), o.secretAccessKey().orElse(""), o.prefix())));
    }

    /** The store described by the {@code ONEBASE_BACKUP_OFFSITE_*} environment (for the command line). */
    static Optional<OffsiteStore> fromEnvironment(Function<String, String> env) {
        String endpoint = env.apply("ONEBASE_BACKUP_OFFSITE_ENDPOINT");
        String bucket = env.apply("ONEBASE_BACKUP_OFFSITE_BUCKET");
        if (endpoint == null || endpoint.isBlank() || bucket == null || bucket.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new OffsiteStore(new OffsiteStore.Target(URI.create(endpoint), bucket,
                or(env.apply("ONEBASE_BACKUP_OFFSITE_REGION"), "us-east-1"), or(env.apply("ONEBASE_BACKUP_OFFSITE_ACCESS_KEY_ID"), ""),
                or(env.apply("ONEBASE_BACKUP_OFFSITE_SECRET_ACCESS_KEY"), ""), or(env.apply("ONEBASE_BACKUP_OFFSITE_PREFIX"), "onebase-backups/"))));
    }

    /** Copies a verified backup ({@code artifact}: a snapshot's .dump or a full copy's directory); no-op when off. */
    void copyBackup(Path artifact) throws IOException {
        Optional<OffsiteStore> store = store();
        if (store.isEmpty()) {
            return;
        }
        Path root = directory.root();
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(artifact)) {
            files.addAll(Artifacts.list(artifact).stream().filter(Files::isRegularFile).toList());
        } else {
            files.add(artifact);
            String name = artifact.getFileName().toString();
            files.add(artifact.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".json"));
        }
        // what marks a backup complete (its info, its verification) arrives last
        files.sort(Comparator.comparing((Path p) -> marker(p.getFileName().toString())).thenComparing(Path::toString));
        for (Path f : files) {
            store.get().put(root.relativize(f).toString(), f);
        }
        LOG.infof("off-site: copied %s (%d files)", root.relativize(artifact), files.size());
    }

    /** Uploads the complete WAL segments and history files the bucket does not have yet (one run at a time: the job and a caller may overlap); returns how many. */
    synchronized int copyWal() throws IOException {
        Optional<OffsiteStore> store = store();
        if (store.isEmpty()) {
            return 0;
        }
        Set<String> there = new HashSet<>(store.get().list(WAL));
        Optional<BackupCipher> cipher = directory.cipher();
        int n = 0;
        for (Path f : Artifacts.list(directory.wal())) {
            String name = f.getFileName().toString();
            if (!(name.matches("[0-9A-F]{24}") || name.endsWith(".history")) || there.contains(WAL + name)) {
                continue;
            }
            if (cipher.isPresent()) {
                Path tmp = directory.wal().resolve("." + name + ".offsite.tmp");
                try {
                    Files.copy(f, tmp);
                    cipher.get().encryptInPlace(tmp);
                    store.get().put(WAL + name, tmp);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } else {
                store.get().put(WAL + name, f);
            }
            n++;
            LOG.debugf("off-site: copied %s (%d objects were there)", name, there.size());
        }
        return n;
    }

    /**
     * Deletes off-site backups taken more than {@code retention-days} before {@code now}, keeping what recovery to any
     * moment since then needs: the newest complete backup of each kind (whatever its age; a half-copied newer one does
     * not count) and the newest complete full copy taken at or before that moment, which recovery to it starts from.
     * Then deletes the WAL before the oldest complete full copy still kept (history files stay). Returns the keys
     * deleted.
     */
    List<String> prune(Instant now) throws IOException {
        Optional<OffsiteStore> store = store();
        if (store.isEmpty()) {
            return List.of();
        }
        OffsiteStore s = store.get();
        Instant cutoff = now.minus(Duration.ofDays(config.offsite().retentionDays()));
        Map<String, List<String>> full = group(s.list("full/"), k -> k.substring(0, k.indexOf('/', 5)));
        Map<String, List<String>> snapshots = group(s.list("snapshots/"), k -> k.substring(0, k.lastIndexOf('.')));
        Predicate<String> fullComplete = name -> full.get(name).containsAll(List.of(name + "/" + Artifacts.INFO, name + "/" + Artifacts.VERIFIED));
        Set<String> keepFull = kept(full.keySet(), fullComplete, cutoff, true);
        Set<String> keepSnapshots = kept(snapshots.keySet(), name -> snapshots.get(name).contains(name + ".json"), cutoff, false);
        List<String> deleted = new ArrayList<>();
        for (Map<String, List<String>> kind : List.of(snapshots, full)) {
            Set<String> keep = kind == full ? keepFull : keepSnapshots;
            for (Map.Entry<String, List<String>> backup : kind.entrySet()) {
                if (!keep.contains(backup.getKey())) {
                    for (String k : backup.getValue()) {
                        s.delete(k);
                        deleted.add(k);
                    }
                }
            }
        }
        String oldestKeptFull = keepFull.stream().filter(fullComplete).sorted().findFirst().orElse(null);
        long segmentSize = oldestKeptFull == null ? -1 : walSegmentSize();
        if (segmentSize > 0) {
            Path tmp = Files.createTempFile("onebase-offsite-", ".json");
            try {
                s.get(oldestKeptFull + "/" + Artifacts.INFO, tmp);
                String keepFrom = Artifacts.readInfo(tmp).startLsn();
                for (String k : s.list(WAL)) {
                    if (Retention.walDeletable(k.substring(WAL.length()), keepFrom, segmentSize)) {
                        s.delete(k);
                        deleted.add(k);
                    }
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        if (!deleted.isEmpty()) {
            LOG.infof("off-site: %d objects past retention (%d days) deleted", deleted.size(), config.offsite().retentionDays());
        }
        return deleted;
    }

    /**
     * Which of {@code names} (backup names, which sort by the time they were taken) the off-site retention keeps: those
     * taken after {@code cutoff} (or of a name that carries no time), the newest complete one and, with
     * {@code windowStart}, the newest complete one taken at or before the cutoff.
     */
    static Set<String> kept(Set<String> names, Predicate<String> complete, Instant cutoff, boolean windowStart) {
        Set<String> keep = new HashSet<>();
        String newestComplete = null;
        String startsWindow = null;
        for (String name : new TreeSet<>(names)) {
            Instant taken = takenAt(name);
            if (taken == null || taken.isAfter(cutoff)) {
                keep.add(name);
            }
            if (complete.test(name)) {
                newestComplete = name;
                if (taken != null && !taken.isAfter(cutoff)) {
                    startsWindow = name;
                }
            }
        }
        if (newestComplete != null) {
            keep.add(newestComplete);
        }
        if (windowStart && startsWindow != null) {
            keep.add(startsWindow);
        }
        return keep;
    }

    /** Whether the bucket answers; "not configured" counts as fine. */
    BackupCommand.Check check() {
        return check(store());
    }

    static BackupCommand.Check check(Optional<OffsiteStore> store) {
        if (store.isEmpty()) {
            return new BackupCommand.Check("off-site", true, "not configured");
        }
        OffsiteStore.Target t = store.get().target();
        String where = t.endpoint() + " bucket " + t.bucket() + " prefix " + t.prefix();
        String problem = store.get().problem();
        return new BackupCommand.Check("off-site", problem == null, problem == null ? "reachable: " + where : where + ": " + problem);
    }

    /**
     * Rebuilds in {@code scratch} a backup directory for a recovery to {@code target}: the newest verified full copy
     * finished before it (full/NAME/) and the WAL (wal/, decrypted), from the bucket alone.
     */
    static Path fetch(OffsiteStore store, Path scratch, Instant target, Optional<BackupCipher> cipher) throws IOException {
        Map<String, List<String>> full = group(store.list("full/"), k -> k.substring(0, k.indexOf('/', 5)));
        String chosen = null;
        ArtifactInfo chosenInfo = null;
        Path infos = scratch.resolve(".infos");
        Artifacts.privateDirectories(scratch, infos);
        for (Map.Entry<String, List<String>> e : full.entrySet()) {
            String info = e.getKey() + "/" + Artifacts.INFO;
            if (!e.getValue().contains(info) || !e.getValue().contains(e.getKey() + "/" + Artifacts.VERIFIED)) {
                continue;
            }
            Path local = infos.resolve(e.getKey().substring(5) + ".json");
            store.get(info, local);
            ArtifactInfo a = Artifacts.readInfo(local);
            if (a.finishedAt() != null && a.finishedAt().isBefore(target) && (chosenInfo == null || a.finishedAt().isAfter(chosenInfo.finishedAt()))) {
                chosen = e.getKey();
                chosenInfo = a;
            }
        }
        Artifacts.deleteTree(infos);
        if (chosen == null) {
            throw new BackupException("no verified full copy off-site finished before " + target);
        }
        Path dir = scratch.resolve(chosen);
        Artifacts.privateDirectories(scratch, dir);
        for (String k : full.get(chosen)) {
            store.get(k, scratch.resolve(k));
        }
        fetchWal(store, scratch.resolve("wal"), null, 0, cipher);
        return scratch;
    }

    /**
     * Downloads one backup ({@code key}: "full/NAME" or "snapshots/NAME.dump") into {@code scratch} under the same
     * relative name and returns its path there, after checking it is the backup the catalog recorded: a full copy must
     * be complete (its onebase.json and onebase.verified arrived) and every file must match the checksum its onebase.json
     * gives; a snapshot, and a full copy's combined checksum, must match {@code checksum}.
     */
    static Path fetchBackup(OffsiteStore store, String key, String checksum, Path scratch) throws IOException {
        Path local = scratch.resolve(key);
        Artifacts.privateDirectories(scratch, local.getParent());
        if (key.startsWith("snapshots/")) {
            if (!store.list(key).contains(key)) {
                throw new BackupException(key + " is not off-site");
            }
            store.get(key, local);
            if (checksum != null && !checksum.equals(Artifacts.sha256(local))) {
                throw new BackupException("the off-site copy of " + key + " is damaged: its SHA-256 is not the one recorded at backup time");
            }
            return local;
        }
        List<String> keys = store.list(key + "/");
        if (!keys.contains(key + "/" + Artifacts.INFO) || !keys.contains(key + "/" + Artifacts.VERIFIED)) {
            throw new BackupException(key + " is not off-site, or only in part (no " + Artifacts.INFO + " or " + Artifacts.VERIFIED + ")");
        }
        Artifacts.privateDirectories(scratch, local);
        for (String k : keys) {
            store.get(k, scratch.resolve(k));
        }
        ArtifactInfo info = Artifacts.readInfo(local.resolve(Artifacts.INFO));
        if (checksum != null && !checksum.equals(info.checksum())) {
            throw new BackupException("the off-site copy of " + key + " is another backup: its checksum is not the one recorded at backup time");
        }
        for (Map.Entry<String, String> f : info.files().entrySet()) {
            Path p = local.resolve(f.getKey());
            if (!Files.exists(p) || !Artifacts.sha256(p).equals(f.getValue())) {
                throw new BackupException("the off-site copy of " + key + " is damaged: " + f.getKey()
                        + (Files.exists(p) ? " does not match its checksum" : " is missing"));
            }
        }
        return local;
    }

    /**
     * Downloads the off-site WAL into {@code dir}, decrypted: from the segment holding {@code fromLsn} on (all when
     * null), and every timeline history file. Returns how many files.
     */
    static int fetchWal(OffsiteStore store, Path dir, String fromLsn, long segmentSize, Optional<BackupCipher> cipher) throws IOException {
        Path scratch = dir.resolveSibling("." + dir.getFileName() + ".plain");
        Artifacts.privateDirectories(dir, dir);
        int n = 0;
        try {
            for (String k : store.list(WAL)) {
                String name = k.substring(WAL.length());
                if (fromLsn != null && Retention.walDeletable(name, fromLsn, segmentSize)) {
                    continue;
                }
                Path f = dir.resolve(name);
                store.get(k, f);
                Path plain = BackupCipher.readable(f, cipher, scratch);
                if (!plain.equals(f)) {
                    Files.move(plain, f, StandardCopyOption.REPLACE_EXISTING);
                }
                n++;
            }
        } finally {
            Artifacts.deleteTree(scratch);
        }
        return n;
    }

    /** -1 (keep all WAL) when the database cannot say. */
    private long walSegmentSize() {
        try {
            return tools.target().walSegmentSize();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<String, List<String>> group(List<String> keys, Function<String, String> backupOf) {
        Map<String, List<String>> byName = new TreeMap<>();
        for (String k : keys) {
            byName.computeIfAbsent(backupOf.apply(k), x -> new ArrayList<>()).add(k);
        }
        return byName;
    }

    /** When a backup was taken, from its name ("20261124T020000Z-17"); null for a name of another form. */
    static Instant takenAt(String name) {
        String base = name.substring(name.lastIndexOf('/') + 1);
        try {
            return LocalDateTime.parse(base.substring(0, Math.min(16, base.length())), STAMP).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static int marker(String name) {
        return Artifacts.VERIFIED.equals(name) ? 2 : name.endsWith(".json") ? 1 : 0;
    }

    private static String or(String v, String dflt) {
        return v == null || v.isBlank() ? dflt : v;
    }
}
