package dev.onebase.db;

import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.onebase.web.ProblemMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;

/**
 * Statements the service runs while it starts (the RLS audit, the job history the scheduler starts from) are not
 * bounded by the request path's wait for a pool connection ({@code onebase.db.pool-wait}, 5 s): on a loaded machine the
 * first connections of a fresh pool can take longer than that, and a start that failed for it once needed the
 * shutdown deadline to end. Such a statement is tried again, while it found no connection (the pool's wait ran out,
 * the database refused or is still starting), until {@code onebase.startup.deadline} after the process started
 * (4 min, under the Kubernetes startupProbe's 5); then the start fails, saying which step and why. A statement that got
 * its connection is never run twice.
 */
@ApplicationScoped
public class StartupWork {

    private static final Logger LOG = Logger.getLogger(StartupWork.class);
    /** How long one attempt may take once it has its connection, even past the deadline. */
    static final Duration ATTEMPT = Duration.ofSeconds(60);

    private final Duration deadline;
    private final Instant until;

    @Inject
    public StartupWork(@ConfigProperty(name = "onebase.startup.deadline", defaultValue = "4m") Duration deadline) {
        this(deadline, ProcessHandle.current().info().startInstant().orElseGet(Instant::now).plus(deadline));
    }

    StartupWork(Duration deadline, Instant until) {
        this.deadline = deadline;
        this.until = until;
    }

    /** Runs {@code work}, again while it finds no connection, until the start-up deadline; answers its result. */
    public <T> T await(String what, Supplier<Uni<T>> work) {
        long pause = 100;
        for (int attempt = 1;; attempt++) {
            Duration left = Duration.between(Instant.now(), until);
            try {
                return work.get().await().atMost(left.compareTo(ATTEMPT) > 0 ? left : ATTEMPT);
            } catch (RuntimeException e) {
                if (!foundNoConnection(e)) {
                    throw e;
                }
                if (!Instant.now().plusMillis(pause).isBefore(until)) {
                    throw new IllegalStateException("start-up: " + what + " found no database connection within onebase.startup.deadline ("
                            + deadline + " after the process started; " + attempt + " attempts, the last: " + describe(e) + ")", e);
                }
                LOG.infof("start-up: %s found no database connection yet (%s); trying again", what, describe(e));
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("start-up: interrupted while " + what + " waited for the database", e);
            }
            pause = Math.min(2000, pause * 2);
        }
    }

    /** The statement never reached the database: no pool connection in time, refused, or the server not ready. */
    static boolean foundNoConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (ProblemMapper.isPoolTimeout(t) || t instanceof ConnectException
                    || t instanceof PgException pg && pg.getSqlState() != null && (pg.getSqlState().equals("57P03")
                            || pg.getSqlState().equals("53300") || pg.getSqlState().equals("08001") || pg.getSqlState().equals("08004"))) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && m.startsWith("Connection refused")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
