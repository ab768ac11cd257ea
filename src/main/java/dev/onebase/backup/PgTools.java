package dev.onebase.backup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.onebase.db.PostgresBinaries;
import dev.onebase.db.Processes;

/**
 * PostgreSQL's own tools: where they are, which database they back up and whom they connect as (the password goes in
 * PGPASSWORD, never on the command line). {@link Processes} runs them.
 */
@ApplicationScoped
public class PgTools {

    private final BackupConfig config;
    private volatile Path binDir;

    public PgTools(BackupConfig config) {
        this.config = config;
    }

    public Path binDir() {
        if (binDir == null) {
            binDir = findBinDir(config.binDir().or(() -> setting("onebase.db.bin-dir")));
        }
        return binDir;
    }

    /** The database to back up: onebase.backup.* settings, else the embedded database's superuser. */
    public BackupTarget target() {
        String host = config.host().or(() -> setting("onebase.db.host")).orElse("127.0.0.1");
        int port = config.port().or(() -> setting("onebase.db.port").map(Integer::valueOf)).orElse(5432);
        String db = config.database().or(() -> setting("onebase.db.name")).orElse("onebase");
        String user = config.user().or(() -> setting("onebase.db.superuser")).orElseThrow(() -> new BackupException(
                "no backup role: set ONEBASE_BACKUP_USER and ONEBASE_BACKUP_PASSWORD (a role with REPLICATION and BYPASSRLS)"));
        String password = config.password().or(() -> setting("onebase.db.superuser-password")).orElse("");
        return new BackupTarget(host, port, db, user, password);
    }

    public String tool(String name) {
        return binDir().resolve(name).toString();
    }

    public static Path findBinDir(Optional<String> configured) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return Path.of(configured.get());
        }
        return PostgresBinaries.find(Optional.empty());
    }

    /** {@code command}, a client tool connecting to {@code t}: the password travels in the environment. */
    public static Processes.Command client(BackupTarget t, List<String> command) {
        return Processes.command(command).env("PGPASSWORD", t.password()).env("PGCONNECT_TIMEOUT", "15").env("PGPASSFILE", null);
    }

    /** Base connection options for a tool (-h -p -U), no password. */
    public static List<String> connectionArgs(BackupTarget t) {
        return new ArrayList<>(List.of("-h", t.host(), "-p", Integer.toString(t.port()), "-U", t.user(), "-w"));
    }

    static Optional<String> setting(String name) {
        return ConfigProvider.getConfig().getOptionalValue(name, String.class).filter(s -> !s.isBlank());
    }
}
