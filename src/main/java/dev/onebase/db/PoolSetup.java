package dev.onebase.db;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnectOptions;

/**
 * The request pool as Quarkus configures it, with two bounds it has no setting for: how long a request waits for a
 * free connection ({@code onebase.db.pool-wait}; then it is answered 503 with Retry-After, see
 * {@code ProblemMapper.isPoolTimeout}), and {@code idle_in_transaction_session_timeout} on every pooled connection, so
 * PostgreSQL itself ends a transaction the service left open (the last line of defence behind the body idle timeout).
 */
@ApplicationScoped
public class PoolSetup implements PgPoolCreator {

    private final Duration poolWait;
    private final Duration idleInTransaction;

    public PoolSetup(@ConfigProperty(name = "onebase.db.pool-wait", defaultValue = "5s") Duration poolWait,
            @ConfigProperty(name = "onebase.db.idle-in-transaction-timeout", defaultValue = "60s") Duration idleInTransaction) {
        this.poolWait = poolWait;
        this.idleInTransaction = idleInTransaction;
    }

    @Override
    public Pool create(Input input) {
        PoolOptions options = new PoolOptions(input.poolOptions())
                .setConnectionTimeout((int) Math.max(1, poolWait.toMillis())).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        List<SqlConnectOptions> servers = input.pgConnectOptionsList().stream().map(o -> {
            PgConnectOptions bounded = new PgConnectOptions(o);
            bounded.setProperties(new HashMap<>(o.getProperties()));
            bounded.getProperties().put("idle_in_transaction_session_timeout", Long.toString(idleInTransaction.toMillis()));
            return (SqlConnectOptions) bounded;
        }).toList();
        ignoreTheWaitTimersSecondFailure(input.vertx());
        return PgBuilder.pool().with(options).connectingTo(servers).using(input.vertx()).build();
    }

    /**
     * Vert.x 4.5's pool (SqlConnectionPool.execute, behind {@code pool.query}/{@code preparedQuery}) starts a timer of
     * the wait bound and cancels it when a connection comes, but not when getting one fails: during a database outage
     * the request is answered 503 at once, and the timer then fails the same, already failed, promise. That second
     * failure reached Vert.x as an uncaught "Result is already complete" after every outage, though nothing was lost.
     * Exactly that exception, thrown by that timer, is dropped here; every other one goes to the handler before.
     */
    static void ignoreTheWaitTimersSecondFailure(io.vertx.core.Vertx vertx) {
        io.vertx.core.Handler<Throwable> before = vertx.exceptionHandler();
        if (before instanceof WaitTimerFilter) {
            return;
        }
        vertx.exceptionHandler(new WaitTimerFilter(before));
    }

    static final class WaitTimerFilter implements io.vertx.core.Handler<Throwable> {
        private final io.vertx.core.Handler<Throwable> next;

        WaitTimerFilter(io.vertx.core.Handler<Throwable> next) {
            this.next = next;
        }

        @Override
        public void handle(Throwable t) {
            if (isTheWaitTimersSecondFailure(t)) {
                return;
            }
            if (next != null) {
                next.handle(t);
            }
        }
    }

    static boolean isTheWaitTimersSecondFailure(Throwable t) {
        if (!(t instanceof IllegalStateException) || !"Result is already complete".equals(t.getMessage())) {
            return false;
        }
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 4); i++) {
            if (frames[i].getClassName().equals("io.vertx.sqlclient.impl.pool.SqlConnectionPool")
                    && frames[i].getMethodName().startsWith("lambda$execute")) {
                return true;
            }
        }
        return false;
    }
}
