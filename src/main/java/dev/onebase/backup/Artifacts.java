package dev.onebase.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** File discipline of every artifact: temporary name, fsync, checksum, rename, and the onebase.json beside it. */
public final class Artifacts {

    public static final String INFO = "onebase.json";
    /** Present in a full copy once pg_verifybackup has accepted it. */
    public static final String VERIFIED = "onebase.verified";
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private Artifacts() {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        digest(file, md);
        return hex(md.digest());
    }

    /** Feeds {@code file} to every digest in one read. */
    static void digest(Path file, MessageDigest... digests) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (MessageDigest md : digests) {
                    md.update(buf, 0, n);
                }
            }
        }
    }

    /** One checksum for a set of files: SHA-256 over their names and checksums, in name order. */
    public static String combined(Map<String, String> files) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(files).forEach((n, h) -> sb.append(n).append(':').append(h).append('\n'));
        return hex(sha256().digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    public static void fsync(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException e) {
                // some platforms cannot open a directory for fsync; the files themselves are synced
            }
        } else {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }

    /** Renames {@code tmp} (made private first) to {@code target} atomically and syncs the directory that holds them. */
    public static void publish(Path tmp, Path target) throws IOException {
        makePrivate(tmp);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target);
        }
        fsync(target.getParent());
    }

    public static void writeInfo(Path dir, String name, ArtifactInfo info) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(info));
        fsync(tmp);
        publish(tmp, dir.resolve(name));
    }

    /** Creates {@code dir} and the directories from {@code root} down to it, each readable by the service alone (0700). */
    public static void privateDirectories(Path root, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Path d = dir; d != null && d.startsWith(root); d = d.getParent()) {
            Files.setPosixFilePermissions(d, PRIVATE_DIR);
        }
    }

    /** {@code path} and everything under it: directories 0700, files 0600. */
    public static void makePrivate(Path path) throws IOException {
        try (Stream<Path> s = Files.walk(path)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.setPosixFilePermissions(p, Files.isDirectory(p) ? PRIVATE_DIR : PRIVATE_FILE);
            }
        }
    }

    /** Writes a small file readable by the service alone. */
    public static void writePrivate(Path file, String text) throws IOException {
        Files.writeString(file, text);
        makePrivate(file);
        fsync(file);
    }

    public static ArtifactInfo readInfo(Path file) throws IOException {
        return JSON.readValue(file.toFile(), ArtifactInfo.class);
    }

    public static long size(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return Files.size(path);
        }
        try (Stream<Path> s = Files.walk(path)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: retention tries again next time
        }
    }

    public static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
