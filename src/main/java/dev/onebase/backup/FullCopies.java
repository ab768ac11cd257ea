package dev.onebase.backup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.backup.BackupCatalog.BackupRecord;
import dev.onebase.backup.BackupRecorder.Attempt;
import dev.onebase.backup.BackupRecorder.Taken;
import dev.onebase.db.Processes;
import dev.onebase.job.JobContext;

/**
 * Full copies: a physical copy ({@code pg_basebackup -Ft -X stream}, compressed on the server) with its backup_manifest
 * and a checksum of every file, written as the directory {@code full/NAME/}; progress is pg_basebackup's own
 * ({@code -P}). Blocks.
 */
@ApplicationScoped
public class FullCopies {

    private static final Pattern PROGRESS = Pattern.compile("^\\s*(\\d+)/(\\d+) kB");

    private final BackupConfig config;
    private final PgTools tools;
    private final BackupRecorder recorder;
    private final BackupDirectory directory;

    public FullCopies(BackupConfig config, PgTools tools, BackupRecorder recorder, BackupDirectory directory) {
        this.config = config;
        this.tools = tools;
        this.recorder = recorder;
        this.directory = directory;
    }

    public BackupRecord take(JobContext ctx) {
        return recorder.record(BackupCatalog.FULL, ctx, this::copy);
    }

    private Taken copy(Attempt a) throws Exception {
        long t0 = System.nanoTime();
        BackupTarget t = a.target();
        Path dir = a.root().resolve("full");
        Path tmp = a.temporary(dir.resolve("." + a.name() + ".tmp"));
        Path target = dir.resolve(a.name());
        Artifacts.privateDirectories(a.root(), dir);
        long dbBytes = t.databaseBytes();
        Instant started = Instant.now();
        List<String> cmd = new ArrayList<>(List.of(tools.tool("pg_basebackup"), "-D", tmp.toString(), "-Ft",
                "-X", "stream", "-c", "fast", "-P", "-l", "onebase-" + a.id()));
        if (!"none".equals(config.full().compress())) {
            cmd.add("--compress=" + config.full().compress());
        }
        cmd.addAll(PgTools.connectionArgs(t));
        try (Processes.Running pgBasebackup = PgTools.client(t, cmd).named("pg_basebackup").timeout(config.timeout())
                .cancelledWhen(a::cancelled).onLine(line -> {
                    Matcher m = PROGRESS.matcher(line);
                    if (m.find()) {
                        a.progress().report(Long.parseLong(m.group(1)) * 1024, Long.parseLong(m.group(2)) * 1024);
                    }
                }).start()) {
            pgBasebackup.await();
        }
        long copyMs = BackupRecorder.millisSince(t0);
        JsonNode walRange = Artifacts.JSON.readTree(tmp.resolve("backup_manifest").toFile()).path("WAL-Ranges").path(0);
        Map<String, String> files = new TreeMap<>();
        for (Path f : Artifacts.list(tmp)) {
            if (directory.cipher().isPresent()) {
                directory.cipher().get().encryptInPlace(f);
            }
            Artifacts.fsync(f);
            files.put(f.getFileName().toString(), Artifacts.sha256(f));
        }
        String checksum = Artifacts.combined(files);
        String startLsn = walRange.path("Start-LSN").asText();
        String endLsn = walRange.path("End-LSN").asText();
        int timeline = walRange.path("Timeline").asInt(1);
        long size = Artifacts.size(tmp);
        Artifacts.writeInfo(tmp, Artifacts.INFO, new ArtifactInfo(a.id(), BackupCatalog.FULL, started, Instant.now(), startLsn,
                endLsn, timeline, size, checksum, files, Map.of()));
        Artifacts.fsync(tmp);
        Artifacts.publish(tmp, target);
        return new Taken(target, startLsn, endLsn, size, dbBytes, checksum, null, "pg_basebackup " + copyMs + " ms");
    }
}
