package dev.onebase.job;

/** What a run did, for job_runs and the admin API. */
public record JobResult(long rowsAffected, long bytesWritten, String detail) {

    public static JobResult rows(long rows) {
        return new JobResult(rows, 0, null);
    }

    public static JobResult bytes(long bytes, String detail) {
        return new JobResult(0, bytes, detail);
    }
}
