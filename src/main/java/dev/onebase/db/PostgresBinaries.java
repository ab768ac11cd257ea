package dev.onebase.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds the PostgreSQL server binaries of this machine (initdb, pg_ctl, and the client tools beside them). */
public final class PostgresBinaries {

    public static final String INSTALL_HINT = "install the PostgreSQL server (Debian/Ubuntu: apt-get install -y postgresql-15; "
            + "Fedora/RHEL: dnf install postgresql-server; macOS: brew install postgresql@15) "
            + "or set ONEBASE_EMBEDDED_BIN_DIR to the directory that holds initdb and pg_ctl";

    private PostgresBinaries() {
    }

    /** The directory holding initdb and pg_ctl; {@code configured} wins when given. */
    public static Path find(Optional<String> configured) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            Path dir = Path.of(configured.get());
            if (hasServer(dir)) {
                return dir;
            }
            throw new IllegalStateException("No initdb/pg_ctl in ONEBASE_EMBEDDED_BIN_DIR=" + dir + ": " + INSTALL_HINT);
        }
        return candidates().stream().filter(PostgresBinaries::hasServer).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "No PostgreSQL server binaries found (looked at pg_config --bindir, /usr/lib/postgresql/*/bin, "
                                + "/usr/pgsql-*/bin, /usr/local/pgsql/bin and PATH) and no database is configured: "
                                + INSTALL_HINT + ", or configure a database with DATABASE_URL"));
    }

    private static List<Path> candidates() {
        List<Path> dirs = new ArrayList<>();
        pgConfigBindir().ifPresent(dirs::add);
        dirs.addAll(versionedDirs(Path.of("/usr/lib/postgresql"), "bin"));
        dirs.addAll(versionedDirs(Path.of("/usr"), null).stream().filter(p -> p.getFileName().toString().startsWith("pgsql-"))
                .map(p -> p.resolve("bin")).toList());
        dirs.add(Path.of("/usr/local/pgsql/bin"));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    dirs.add(Path.of(entry));
                }
            }
        }
        return dirs;
    }

    /** Sub-directories sorted newest version first, so the highest installed major wins. */
    private static List<Path> versionedDirs(Path parent, String child) {
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(parent)) {
            return s.sorted(Comparator.comparing(PostgresBinaries::versionOf).reversed())
                    .map(p -> child == null ? p : p.resolve(child)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int versionOf(Path p) {
        String digits = p.getFileName().toString().replaceAll("\\D", "");
        try {
            return digits.isEmpty() ? 0 : Integer.parseInt(digits.substring(0, Math.min(4, digits.length())));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Optional<Path> pgConfigBindir() {
        try {
            String out = Processes.run(List.of("pg_config", "--bindir"), null, 10).trim();
            return out.isEmpty() ? Optional.empty() : Optional.of(Path.of(out));
        } catch (IllegalStateException e) {
            // no pg_config on the PATH, or it failed: the other places are searched
            return Optional.empty();
        }
    }

    private static boolean hasServer(Path dir) {
        return Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"))
                && Files.isExecutable(dir.resolve("postgres"));
    }
}
