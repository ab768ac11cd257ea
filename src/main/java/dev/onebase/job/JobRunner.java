package dev.onebase.job;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.onebase.job.JobRecords.Progress;
import dev.onebase.job.JobRecords.RunView;
import dev.onebase.job.JobRecords.RunningView;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Runs jobs so that each tick runs once across every replica sharing the database.
 *
 * <p>A run opens its own connection (never a pooled one), takes {@code pg_try_advisory_lock} on the job's key
 * without waiting, claims its tick with an insert into job_runs that conflicts on (job, tick), runs the job through
 * the Uni it returns, records the outcome and unlocks; closing the connection would release the lock too, so a replica
 * that dies mid-run frees the job for the others. A replica that does not get the lock skips the tick; one that finds
 * the tick already claimed (another replica ran it a moment ago) skips it as well. A job never overlaps itself on one
 * replica. Runs left 'running' by a replica that died are marked 'abandoned' by the next run that takes the lock.
 */
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    /**
     * While a statement runs, PostgreSQL checks this often (ms) that the client is still there: a replica killed
     * mid-job has its statements cancelled, and its lock released, within about a second rather than when they would
     * have ended. (A host that vanishes without closing its sockets is noticed by the TCP keepalives.)
     */
    static final String CLIENT_CHECK_INTERVAL_MS = "1000";

    private static final String LOCK = "select pg_try_advisory_lock(hashtext('onebase.job'), hashtext($1))";
    private static final String UNLOCK = "select pg_advisory_unlock(hashtext('onebase.job'), hashtext($1))";
    private static final String ABANDON = """
            update job_runs set outcome = 'abandoned', finished_at = clock_timestamp(),
                   error = 'the replica running it stopped before recording how it ended'
             where job = $1 and outcome = 'running'
            """;
    private static final String CLAIM = "insert into job_runs (job, replica, trigger, tick) values ($1, $2, $3, $4) "
            + "on conflict (job, tick) do nothing returning " + JobRecords.RUN_COLUMNS;
    private static final String FINISH = """
            update job_runs set finished_at = clock_timestamp(), outcome = $2, rows_affected = $3, bytes_written = $4,
                   detail = $5, error = $6
             where id = $1 returning
            """ + JobRecords.RUN_COLUMNS;

    /** How an attempt to run a job went. */
    public enum Status {
        /** This replica claimed the tick (or the manual run) and the job is running. */
        STARTED,
        /** The job is running, here or on another replica: this attempt was skipped. */
        BUSY,
        /** Another replica (or this one) already ran this tick. */
        ALREADY_RAN,
        /** The runner is shutting down. */
        STOPPED
    }

    /** The result of {@link #tick} or {@link #trigger}; {@code finished} completes when a started run is recorded. */
    public record Attempt(Status status, RunView run, Uni<RunView> finished) {

        static Attempt not(Status status) {
            return new Attempt(status, null, Uni.createFrom().nullItem());
        }
    }

    private final Vertx vertx;
    private final PgConnectOptions database;
    private final String replica;
    private final Map<String, Entry> jobs = new LinkedHashMap<>();
    private final JobMetrics metrics;
    private volatile boolean stopping;

    public JobRunner(Vertx vertx, PgConnectOptions database, String replica, Map<Job, JobSettings> jobs, MeterRegistry registry) {
        this.vertx = vertx;
        this.database = database;
        this.replica = replica;
        this.metrics = new JobMetrics(registry);
        jobs.forEach((job, settings) -> {
            if (this.jobs.putIfAbsent(job.name(), new Entry(job, settings)) != null) {
                throw new IllegalStateException("two jobs are named '" + job.name() + "'");
            }
            metrics.register(job.name());
        });
    }

    public String replica() {
        return replica;
    }

    /** The runner's connections: watched by the server, so a dead replica's work stops (see CLIENT_CHECK_INTERVAL_MS). */
    public static PgConnectOptions watchedByTheServer(PgConnectOptions options) {
        options.setProperties(new java.util.HashMap<>(options.getProperties()));
        options.getProperties().put("client_connection_check_interval", CLIENT_CHECK_INTERVAL_MS);
        return options.setTcpKeepAlive(true);
    }

    public Collection<String> names() {
        return jobs.keySet();
    }

    public Optional<JobSettings> settings(String job) {
        return Optional.ofNullable(jobs.get(job)).map(e -> e.settings);
    }

    /** The run of {@code job} in progress on this replica, with the progress it reported. */
    public Optional<RunningView> running(String job) {
        Entry e = jobs.get(job);
        RunContext ctx = e == null ? null : e.running.get();
        if (ctx == null || ctx.run == null) {
            return Optional.empty();
        }
        return Optional.of(new RunningView(ctx.runId(), replica, ctx.trigger, ctx.run.startedAt(),
                new Progress(ctx.done, ctx.total)));
    }

    void sawSuccess(String job, OffsetDateTime at) {
        metrics.sawSuccess(job, at == null ? null : at.toInstant());
    }

    /** A scheduled attempt at {@code tick} (the same instant on every replica). */
    public Uni<Attempt> tick(String job, Instant tick) {
        return attempt(entry(job), "schedule", tick);
    }

    /** A manual run now; BUSY when a run of the job holds the lock anywhere. */
    public Uni<Attempt> trigger(String job) {
        return attempt(entry(job), "manual", null);
    }

    private Entry entry(String job) {
        Entry e = jobs.get(job);
        if (e == null) {
            throw new IllegalArgumentException("no job named '" + job + "'");
        }
        return e;
    }

    private Uni<Attempt> attempt(Entry e, String trigger, Instant tick) {
        if (stopping) {
            return Uni.createFrom().item(Attempt.not(Status.STOPPED));
        }
        if (tick != null && e.lastTick != null && !tick.isAfter(e.lastTick)) {
            return Uni.createFrom().item(Attempt.not(Status.ALREADY_RAN));
        }
        RunContext ctx = new RunContext(replica, trigger);
        if (!e.running.compareAndSet(null, ctx)) {
            e.sawTick(tick);
            return Uni.createFrom().item(Attempt.not(Status.BUSY));
        }
        String name = e.job.name();
        AtomicBoolean locked = new AtomicBoolean();
        return PgConnection.connect(vertx, database)
                .onFailure().invoke(() -> {
                    e.running.compareAndSet(ctx, null);
                    ctx.finished.complete(null);
                })
                .flatMap(conn -> conn.preparedQuery(LOCK).execute(Tuple.of(name))
                        .flatMap(lock -> {
                            if (!lock.iterator().next().getBoolean(0)) {
                                e.sawTick(tick);
                                return Uni.createFrom().item(Attempt.not(Status.BUSY));
                            }
                            locked.set(true);
                            OffsetDateTime tickTime = tick == null ? null : tick.atOffset(ZoneOffset.UTC);
                            return conn.preparedQuery(ABANDON).execute(Tuple.of(name))
                                    .flatMap(x -> conn.preparedQuery(CLAIM).execute(Tuple.of(name, replica, trigger, tickTime)))
                                    .map(claimed -> {
                                        e.sawTick(tick);
                                        if (!claimed.iterator().hasNext()) {
                                            return Attempt.not(Status.ALREADY_RAN);
                                        }
                                        ctx.run = RunView.of(claimed.iterator().next());
                                        ctx.connection = conn;
                                        // losing this connection loses the lock: stop rather than risk a second run elsewhere
                                        conn.closeHandler(() -> ctx.kill(new RunCancelled(
                                                "cancelled: the database connection holding its lock was lost")));
                                        return new Attempt(Status.STARTED, ctx.run, Uni.createFrom().completionStage(ctx.finished));
                                    });
                        })
                        .onItemOrFailure().call((attempt, failure) -> {
                            if (failure == null && attempt.status() == Status.STARTED) {
                                execute(e, ctx, conn);
                                return Uni.createFrom().voidItem();
                            }
                            e.running.compareAndSet(ctx, null);
                            ctx.finished.complete(null); // nothing ran: a shutdown waiting on this attempt can go on
                            return release(conn, name, locked.get());
                        }));
    }

    /** Runs the claimed job in the background: the lock is held on {@code conn} until the outcome is recorded. */
    private void execute(Entry e, RunContext ctx, SqlConnection conn) {
        String name = e.job.name();
        Duration timeout = e.settings.timeout();
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()),
                id -> ctx.kill(new RunTimedOut("ran longer than its timeout of " + timeout)));
        Uni<JobResult> work = Uni.createFrom().emitter(em -> {
            Cancellable running = Uni.createFrom().deferred(() -> e.job.run(ctx))
                    .subscribe().with(r -> em.complete(r == null ? JobResult.rows(0) : r), em::fail);
            ctx.onKill(reason -> {
                running.cancel();
                em.fail(reason);
            });
        });
        LOG.infof("job %s: run %d started (%s)", name, ctx.runId(), ctx.trigger);
        work.onItemOrFailure().transformToUni((result, failure) -> {
            vertx.cancelTimer(timer);
            String outcome = failure == null ? "succeeded"
                    : failure instanceof RunTimedOut ? "timed_out" : failure instanceof RunCancelled ? "cancelled" : "failed";
            if (failure != null) {
                LOG.warnf("job %s: run %d %s: %s", name, ctx.runId(), outcome, describe(failure));
            }
            JobResult r = result == null ? JobResult.rows(0) : result;
            Tuple args = Tuple.tuple().addLong(ctx.runId()).addString(outcome).addLong(r.rowsAffected()).addLong(r.bytesWritten())
                    .addString(r.detail()).addString(failure == null ? null : describe(failure));
            return conn.preparedQuery(FINISH).execute(args).map(rows -> RunView.of(rows.iterator().next()));
        })
                .onItemOrFailure().call(() -> release(conn, name, true))
                .subscribe().with(view -> {
                    e.running.compareAndSet(ctx, null);
                    metrics.record(name, view.outcome(), Duration.ofMillis(view.durationMs() == null ? 0 : view.durationMs()),
                            view.finishedAt().toInstant());
                    LOG.infof("job %s: run %d %s in %d ms", name, view.id(), view.outcome(), view.durationMs());
                    ctx.finished.complete(view);
                }, failure -> {
                    e.running.compareAndSet(ctx, null);
                    LOG.errorf(failure, "job %s: could not record the end of run %d; the next run will mark it abandoned",
                            name, ctx.runId());
                    ctx.finished.completeExceptionally(failure);
                });
    }

    /** Unlocks and closes the dedicated connection; closing alone would release the lock as well. */
    private static Uni<Void> release(SqlConnection conn, String name, boolean locked) {
        if (!locked) {
            return conn.close();
        }
        return conn.preparedQuery(UNLOCK).execute(Tuple.of(name)).replaceWithVoid()
                .onFailure().recoverWithNull()
                .eventually(conn::close);
    }

    /**
     * Stops taking ticks, asks running jobs to stop ({@link JobContext#cancelled()}), waits up to {@code grace} for
     * them, then cancels what still runs and records it as cancelled.
     */
    public void shutdown(Duration grace) {
        stopping = true;
        List<RunContext> running = new ArrayList<>();
        for (Entry e : jobs.values()) {
            RunContext ctx = e.running.get();
            if (ctx != null) {
                ctx.cancelled = true;
                running.add(ctx);
            }
        }
        if (running.isEmpty()) {
            return;
        }
        LOG.infof("waiting up to %s for %d running job(s) to finish", grace, running.size());
        if (!await(running, grace)) {
            for (RunContext ctx : running) {
                if (!ctx.finished.isDone()) {
                    ctx.kill(new RunCancelled("cancelled: the service shut down while it ran"));
                }
            }
            await(running, Duration.ofSeconds(10));
        }
    }

    private static boolean await(List<RunContext> running, Duration limit) {
        try {
            CompletableFuture.allOf(running.stream().map(c -> c.finished).toArray(CompletableFuture[]::new))
                    .get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return true; // a run whose end could not be recorded is over all the same
        }
    }

    static String describe(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = failure; t != null && sb.length() < 4000; t = t.getCause() == t ? null : t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(" <- ");
            }
            if (!(t instanceof RunTimedOut) && !(t instanceof RunCancelled)) {
                sb.append(t.getClass().getSimpleName()).append(": ");
            }
            sb.append(t.getMessage());
        }
        return sb.length() > 4000 ? sb.substring(0, 4000) : sb.toString();
    }

    private static final class Entry {
        final Job job;
        final JobSettings settings;
        final AtomicReference<RunContext> running = new AtomicReference<>();
        volatile Instant lastTick;

        Entry(Job job, JobSettings settings) {
            this.job = job;
            this.settings = settings;
        }

        synchronized void sawTick(Instant tick) {
            if (tick != null && (lastTick == null || tick.isAfter(lastTick))) {
                lastTick = tick;
            }
        }
    }

    /** The {@link JobContext} of one run. */
    static final class RunContext implements JobContext {
        final String replica;
        final String trigger;
        final CompletableFuture<RunView> finished = new CompletableFuture<>();
        volatile RunView run;
        volatile SqlConnection connection;
        volatile boolean cancelled;
        volatile long done;
        volatile long total = -1;
        private Throwable killedBy;
        private Consumer<Throwable> killer;

        RunContext(String replica, String trigger) {
            this.replica = replica;
            this.trigger = trigger;
        }

        @Override
        public long runId() {
            return run == null ? 0 : run.id();
        }

        @Override
        public String replica() {
            return replica;
        }

        @Override
        public boolean cancelled() {
            return cancelled;
        }

        @Override
        public SqlConnection connection() {
            return connection;
        }

        @Override
        public void progress(long done, long total) {
            this.done = done;
            this.total = total;
        }

        void kill(Throwable reason) {
            cancelled = true;
            Consumer<Throwable> k;
            synchronized (this) {
                if (killedBy != null) {
                    return;
                }
                killedBy = reason;
                k = killer;
            }
            if (k != null) {
                k.accept(reason);
            }
        }

        void onKill(Consumer<Throwable> k) {
            Throwable reason;
            synchronized (this) {
                killer = k;
                reason = killedBy;
            }
            if (reason != null) {
                k.accept(reason);
            }
        }
    }

    static final class RunTimedOut extends RuntimeException {
        RunTimedOut(String message) {
            super(message, null, false, false);
        }
    }

    static final class RunCancelled extends RuntimeException {
        RunCancelled(String message) {
            super(message, null, false, false);
        }
    }
}
