package dev.onebase.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onebase.backup.BackupCatalog.BackupRecord;

/** Carries out {@link Retention}'s decision: deletes the backups (files and catalog rows) and the WAL no longer kept. */
@ApplicationScoped
public class Pruner {

    private static final Logger LOG = Logger.getLogger(Pruner.class);

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupCatalog catalog;
    private final BackupDirectory directory;

    public Pruner(BackupConfig config, PgTools tools, BackupCatalog catalog, BackupDirectory directory) {
        this.config = config;
        this.tools = tools;
        this.catalog = catalog;
        this.directory = directory;
    }

    /** Applies the retention policy to the catalog and the files; returns the ids deleted. */
    public synchronized List<Long> prune() {
        catalog.failStale(config.timeout().toSeconds() + 3600);
        List<BackupRecord> live = catalog.live();
        Retention.Decision d = Retention.decide(items(live), new Retention.Policy(config.retention().daily(),
                config.retention().weekly(), config.retention().monthly()), ZoneOffset.UTC, Instant.now());
        long segmentSize;
        try {
            segmentSize = tools.target().walSegmentSize();
        } catch (SQLException | RuntimeException e) {
            segmentSize = -1;
            LOG.warnf("WAL retention skipped: %s", e.getMessage());
        }
        List<Long> deleted = apply(live, d, directory.wal(), segmentSize, catalog::markDeleted);
        if (!deleted.isEmpty()) {
            LOG.infof("retention deleted backups %s; WAL kept from %s", deleted, d.walKeepFromLsn());
        }
        return deleted;
    }

    static List<Retention.Item> items(List<BackupRecord> live) {
        return live.stream().map(r -> new Retention.Item(r.id(), r.kind(), r.startedAt().toInstant(),
                r.verified() && "succeeded".equals(r.status()), r.startLsn())).toList();
    }

    /**
     * Deletes the files of the backups {@code d} lets go (then {@code markDeleted} each) and the archived WAL before
     * {@code d.walKeepFromLsn()} (none when it is null or the segment size is unknown, -1).
     */
    static List<Long> apply(List<BackupRecord> live, Retention.Decision d, Path walDir, long segmentSize, LongConsumer markDeleted) {
        List<Long> deleted = new ArrayList<>();
        for (BackupRecord r : live) {
            if (d.delete().contains(r.id())) {
                if (r.path() != null) {
                    Path p = Path.of(r.path());
                    Artifacts.deleteTree(p);
                    if (BackupCatalog.SNAPSHOT.equals(r.kind())) {
                        Artifacts.deleteTree(p.resolveSibling(p.getFileName().toString().replace(".dump", ".json")));
                    }
                }
                markDeleted.accept(r.id());
                deleted.add(r.id());
            }
        }
        if (d.walKeepFromLsn() != null && segmentSize > 0) {
            pruneWal(walDir, d.walKeepFromLsn(), segmentSize);
        }
        return deleted;
    }

    private static void pruneWal(Path walDir, String keepFromLsn, long segmentSize) {
        try {
            for (Path f : Artifacts.list(walDir)) {
                if (Retention.walDeletable(f.getFileName().toString(), keepFromLsn, segmentSize)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("WAL retention skipped: %s", e.getMessage());
        }
    }
}
