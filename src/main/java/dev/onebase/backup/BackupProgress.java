package dev.onebase.backup;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.JobContext;

/**
 * The backups and restore tests running on this replica, and how far each has got ({@code GET /admin/backups/running}):
 * the phase it is in and a percentage of the whole operation that only moves forward (a tool's own estimate of its
 * total may grow while it runs). The job run sees the same percentage as {@code done} of {@code total} 100.
 */
@ApplicationScoped
public class BackupProgress {

    /** An operation in progress on this replica: {@code done}/{@code total} of its phase (total -1 while unknown). */
    public record Running(String operation, Instant startedAt, String phase, int percent, long done, long total) {
    }

    private final Map<String, Running> running = new ConcurrentHashMap<>();

    public Map<String, Running> running() {
        return Map.copyOf(running);
    }

    /** Starts tracking {@code operation}; its phases then share 0-100 %. */
    Reporter start(String operation, JobContext ctx) {
        return new Reporter(operation, ctx, Instant.now());
    }

    void finished(String operation) {
        running.remove(operation);
    }

    /** Where one operation reports its phase and how far it has got in it. */
    final class Reporter {
        private final String operation;
        private final JobContext ctx;
        private final Instant startedAt;
        private String phase = "starting";
        private int from;
        private int to;
        private int percent;

        private Reporter(String operation, JobContext ctx, Instant startedAt) {
            this.operation = operation;
            this.ctx = ctx;
            this.startedAt = startedAt;
            publish(0, -1);
        }

        /** Enters {@code name}, which covers {@code fromPercent} to {@code toPercent} of the operation. */
        synchronized void phase(String name, int fromPercent, int toPercent) {
            phase = name;
            from = fromPercent;
            to = toPercent;
            report(0, -1);
        }

        /** {@code done} of {@code total} (-1: unknown) in the current phase. */
        synchronized void report(long done, long total) {
            int p = total > 0 ? from + (int) ((to - from) * Math.min(1.0, (double) done / total)) : from;
            percent = Math.max(percent, p);
            publish(done, total);
        }

        /** The operation is over: 100 %. */
        synchronized void done() {
            phase = "done";
            percent = 100;
            publish(1, 1);
        }

        private void publish(long done, long total) {
            running.put(operation, new Running(operation, startedAt, phase, percent, done, total));
            if (ctx != null) {
                ctx.progress(percent, 100);
            }
        }
    }
}
