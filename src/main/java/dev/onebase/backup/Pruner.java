package dev.onebase.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

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
        List<Retention.Item> items = live.stream().map(r -> new Retention.Item(r.id(), r.kind(), r.startedAt().toInstant(),
                r.verified() && "succeeded".equals(r.status()), r.startLsn())).toList();
        Retention.Decision d = Retention.decide(items, new Retention.Policy(config.retention().daily(),
                config.retention().weekly(), config.retention().monthly()), ZoneOffset.UTC);
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
                catalog.markDeleted(r.id());
                deleted.add(r.id());
            }
        }
        if (d.walKeepFromLsn() != null) {
            pruneWal(d.walKeepFromLsn());
        }
        if (!deleted.isEmpty()) {
            LOG.infof("retention deleted backups %s; WAL kept from %s", deleted, d.walKeepFromLsn());
        }
        return deleted;
    }

    private void pruneWal(String keepFromLsn) {
        try {
            long segmentSize = tools.target().walSegmentSize();
            for (Path f : Artifacts.list(directory.wal())) {
                if (Retention.walDeletable(f.getFileName().toString(), keepFromLsn, segmentSize)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.warnf("WAL retention skipped: %s", e.getMessage());
        }
    }
}
