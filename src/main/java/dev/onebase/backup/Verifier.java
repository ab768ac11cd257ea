package dev.onebase.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.db.Processes;

/**
 * Whether a backup can be trusted: a snapshot when its checksum matches and pg_restore reads the whole archive; a full
 * copy when every file matches its checksum and pg_verifybackup accepts it, extracted (PostgreSQL 15's
 * pg_verifybackup reads plain directories only). A full copy carries {@code onebase.verified}, which point-in-time
 * recovery looks for, exactly while its last check passed.
 */
@ApplicationScoped
public class Verifier {

    private static final Logger LOG = Logger.getLogger(Verifier.class);

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupCatalog catalog;
    private final BackupAlerts alerts;
    private final BackupDirectory directory;

    public Verifier(BackupConfig config, PgTools tools, BackupCatalog catalog, BackupAlerts alerts, BackupDirectory directory) {
        this.config = config;
        this.tools = tools;
        this.catalog = catalog;
        this.alerts = alerts;
        this.directory = directory;
    }

    /** Checks an existing backup again, recording the outcome and alerting on a problem. */
    public BackupRecord verify(long id) {
        BackupRecord r = catalog.get(id);
        if (r == null || r.path() == null || "deleted".equals(r.status())) {
            throw new BackupException("backup " + id + " has no artifact to verify");
        }
        String problem = check(r.kind(), Path.of(r.path()), r.checksum(), directory.root());
        catalog.setVerification(id, problem == null, problem == null ? "verified again at " + Instant.now() : problem);
        if (problem != null) {
            alerts.raise("backup-verification-failed", r.kind(), id, problem);
        }
        return catalog.get(id);
    }

    /** Null when the backup is sound, else what is wrong with it; a full copy is extracted under {@code scratchParent}. */
    String check(String kind, Path path, String checksum, Path scratchParent) {
        return BackupCatalog.SNAPSHOT.equals(kind) ? checkSnapshot(path, checksum, scratchParent) : checkFullCopy(path, scratchParent);
    }

    /** What a backup of {@code kind} that passed {@link #check} was checked for. */
    static String passed(String kind) {
        return BackupCatalog.SNAPSHOT.equals(kind) ? "checksum ok, pg_restore read the whole archive" : "checksums ok, pg_verifybackup ok";
    }

    private String checkSnapshot(Path file, String expectedChecksum, Path scratchParent) {
        Path scratch = null;
        try {
            String actual = Artifacts.sha256(file);
            if (!actual.equals(expectedChecksum)) {
                return "checksum mismatch: expected " + expectedChecksum + ", found " + actual;
            }
            Files.createDirectories(scratchParent);
            scratch = Files.createTempDirectory(scratchParent, ".verify-");
            Path plain = BackupCipher.readable(file, directory.cipher(), scratch);
            Processes.command(List.of(tools.tool("pg_restore"), "-f", "/dev/null", plain.toString()))
                    .named("pg_restore (read check)").timeout(config.timeout()).run();
            return null;
        } catch (IOException | BackupException | Processes.Failed e) {
            return BackupException.messageOf(e);
        } finally {
            Artifacts.deleteTree(scratch);
        }
    }

    private String checkFullCopy(Path backupDir, Path scratchParent) {
        List<String> problems = new ArrayList<>();
        Path scratch = null;
        try {
            ArtifactInfo info = Artifacts.readInfo(backupDir.resolve(Artifacts.INFO));
            for (Map.Entry<String, String> f : info.files().entrySet()) {
                Path file = backupDir.resolve(f.getKey());
                if (!Files.exists(file)) {
                    problems.add(f.getKey() + " is missing");
                } else if (!Artifacts.sha256(file).equals(f.getValue())) {
                    problems.add("checksum mismatch in " + f.getKey());
                }
            }
            Files.createDirectories(scratchParent);
            scratch = Files.createTempDirectory(scratchParent, ".verify-");
            Path data = scratch.resolve("data");
            Restorer.extract(backupDir, data, directory.cipher());
            Path manifest = BackupCipher.readable(backupDir.resolve("backup_manifest"), directory.cipher(), scratch.resolve("manifest"));
            Processes.command(List.of(tools.tool("pg_verifybackup"), "-m", manifest.toString(),
                    data.toString())).named("pg_verifybackup").timeout(config.timeout()).run();
        } catch (IOException | BackupException | Processes.Failed e) {
            problems.add(BackupException.messageOf(e));
        } finally {
            Artifacts.deleteTree(scratch);
        }
        markVerified(backupDir, problems.isEmpty());
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static void markVerified(Path fullCopyDir, boolean verified) {
        try {
            Path marker = fullCopyDir.resolve(Artifacts.VERIFIED);
            if (verified) {
                Artifacts.writePrivate(marker, Instant.now() + "\n");
            } else {
                Files.deleteIfExists(marker);
            }
        } catch (IOException e) {
            LOG.warnf("cannot mark %s: %s", fullCopyDir, e.getMessage());
        }
    }
}
