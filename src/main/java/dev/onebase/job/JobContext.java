package dev.onebase.job;

/** What the runner tells a job about the run in progress, and how the job reports back while it runs. */
public interface JobContext {

    /** The job_runs id of this run. */
    long runId();

    /** Which replica runs it. */
    String replica();

    /** True once the run has passed its timeout or the service is shutting down: stop at the next safe point. */
    boolean cancelled();

    /** Progress of a long run (bytes done of total, total -1 when unknown), shown by the admin API while it runs. */
    void progress(long done, long total);
}
