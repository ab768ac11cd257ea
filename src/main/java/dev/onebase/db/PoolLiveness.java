package dev.onebase.db;

import java.time.Duration;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.jboss.logging.Logger;

import dev.onebase.web.ProblemMapper;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Liveness that fails when the service cannot recover by itself: the request pool has had no free connection for
 * longer than {@code onebase.db.pool-wedged-after} although the database answers (every connection held and never
 * given back). A database that is down is not this replica's fault: readiness reports it, liveness stays up, since a
 * restart would not help. A probe takes a connection every few seconds in the background; the check only reads
 * what it found, so it answers at once.
 */
@Liveness
@ApplicationScoped
public class PoolLiveness implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(PoolLiveness.class);

    private final Pool pool;
    private final Vertx vertx;
    private final Duration wedgedAfter;
    private volatile long lastFree = System.nanoTime();
    private volatile boolean probing;
    private long timer = -1;

    public PoolLiveness(Pool pool, Vertx vertx, @ConfigProperty(name = "onebase.db.pool-wedged-after", defaultValue = "2m") Duration wedgedAfter) {
        this.pool = pool;
        this.vertx = vertx;
        this.wedgedAfter = wedgedAfter;
    }

    void start(@Observes StartupEvent event) {
        long every = Math.max(250, Math.min(5000, wedgedAfter.toMillis() / 4));
        timer = vertx.setPeriodic(every, id -> probe());
    }

    private void probe() {
        if (probing) {
            return;
        }
        probing = true;
        pool.getConnection().subscribe().with(conn -> {
            lastFree = System.nanoTime();
            probing = false;
            conn.close().subscribe().with(x -> {
            }, x -> {
            });
        }, failure -> {
            if (!ProblemMapper.isPoolTimeout(failure)) {
                lastFree = System.nanoTime(); // the database is unreachable: readiness's business, not a wedged pool
            }
            probing = false;
        });
    }

    @Override
    public HealthCheckResponse call() {
        Duration busy = Duration.ofNanos(System.nanoTime() - lastFree);
        boolean wedged = busy.compareTo(wedgedAfter) > 0;
        if (wedged) {
            LOG.errorf("no request connection has been free for %s (bound %s): reporting not alive", busy, wedgedAfter);
        }
        return HealthCheckResponse.named("request pool").status(!wedged).withData("busySeconds", busy.toSeconds()).build();
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
