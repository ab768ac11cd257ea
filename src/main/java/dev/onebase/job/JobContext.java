package dev.onebase.job;

import io.vertx.mutiny.sqlclient.SqlConnection;

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

    /**
     * The connection that holds this run's lock (outside any transaction; one statement at a time). Statements run on
     * it end with the run: if the replica dies, PostgreSQL cancels them within a second (the runner's connections
     * carry {@code client_connection_check_interval}) and frees the lock in the same moment, so another replica can
     * never start the job while a dead one's statement still runs.
     */
    default SqlConnection connection() {
        throw new UnsupportedOperationException("this run has no connection of its own");
    }
}
