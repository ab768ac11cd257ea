package dev.onebase.backup;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.JobContext;

/** The backups and restore tests running on this replica, and how far each has got ({@code GET /admin/backups/running}). */
@ApplicationScoped
public class BackupProgress {

    /** A backup or restore test in progress on this replica; {@code total} is -1 while unknown. */
    public record Running(String operation, Instant startedAt, long done, long total) {
    }

    /** Where one operation reports how far it has got. */
    @FunctionalInterface
    interface Reporter {
        void report(long done, long total);
    }

    private final Map<String, Running> running = new ConcurrentHashMap<>();

    public Map<String, Running> running() {
        return Map.copyOf(running);
    }

    /** Records the progress of {@code operation}, here and in its job run when it runs as a job. */
    void track(String operation, long done, long total, JobContext ctx) {
        running.compute(operation, (k, old) -> new Running(operation, old == null ? Instant.now() : old.startedAt(), done, total));
        if (ctx != null) {
            ctx.progress(done, total);
        }
    }

    Reporter reporter(String operation, JobContext ctx) {
        return (done, total) -> track(operation, done, total, ctx);
    }

    void finished(String operation) {
        running.remove(operation);
    }
}
