package dev.onebase.job;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.vertx.mutiny.sqlclient.Row;

/** The shapes the job admin API answers with. */
public final class JobRecords {

    private JobRecords() {
    }

    /** The columns every {@link RunView} is read from. */
    static final String RUN_COLUMNS = "id, job, replica, trigger, tick, started_at, finished_at, outcome, rows_affected, "
            + "bytes_written, detail, error";

    /** One row of job_runs. {@code tick} is the schedule slot the run belongs to (null for a manual run). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunView(long id, String job, String replica, String trigger, OffsetDateTime tick, OffsetDateTime startedAt,
            OffsetDateTime finishedAt, String outcome, long rowsAffected, long bytesWritten, String detail, String error,
            Long durationMs) {

        static RunView of(Row r) {
            OffsetDateTime started = r.getOffsetDateTime("started_at");
            OffsetDateTime finished = r.getOffsetDateTime("finished_at");
            return new RunView(r.getLong("id"), r.getString("job"), r.getString("replica"), r.getString("trigger"),
                    r.getOffsetDateTime("tick"), started, finished, r.getString("outcome"), r.getLong("rows_affected"),
                    r.getLong("bytes_written"), r.getString("detail"), r.getString("error"),
                    finished == null ? null : Duration.between(started, finished).toMillis());
        }
    }

    /** A run in progress. Progress is known only on the replica running it; elsewhere it is null. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunningView(long runId, String replica, String trigger, OffsetDateTime startedAt, Progress progress) {
    }

    /** What the job last reported through {@link JobContext#progress}; total is -1 when unknown. */
    public record Progress(long done, long total) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JobView(String name, String schedule, boolean enabled, boolean scheduled, String timeout,
            OffsetDateTime nextRunAt, RunView lastRun, OffsetDateTime lastSuccessAt, RunningView running) {
    }

    public record RunPage(List<RunView> items, Long next) {
    }

    /** The answer to a manual trigger: the run it started, and (when waited for) how it ended. */
    public record Triggered(RunView run) {
    }
}
