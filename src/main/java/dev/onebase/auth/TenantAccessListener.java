package dev.onebase.auth;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.onebase.db.DedicatedConnections;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;

/**
 * LISTENs on {@code onebase_tenant_access} (V8's triggers: a key revoked, a tenant suspended, deleted or moved to
 * another plan, on any replica) and makes {@link KnownKeys} forget that tenant's keys. Reconnects every second when
 * the connection drops; until it is back, KnownKeys remembers nothing (what changed meanwhile was not heard).
 *
 * <p>A connection can also hang without closing (a stopped server process, a partition): a round trip every quarter
 * of {@code onebase.auth.listener-bound} proves it alive, and KnownKeys trusts what it remembers only for that bound
 * after the last proof. So a change is heard, or every request is checked in the database, within the bound.
 */
@ApplicationScoped
public class TenantAccessListener {

    static final String CHANNEL = "onebase_tenant_access";
    private static final Logger LOG = Logger.getLogger(TenantAccessListener.class);

    private final KnownKeys known;
    private final long boundMs;
    private final AtomicBoolean checking = new AtomicBoolean();

    private PgSubscriber subscriber;
    private boolean stopped;
    private long heartbeat = -1;

    public TenantAccessListener(KnownKeys known,
            @ConfigProperty(name = "onebase.auth.listener-bound", defaultValue = "1s") Duration bound) {
        this.known = known;
        this.boundMs = Math.max(100, bound.toMillis());
    }

    void start(@Observes StartupEvent event, Vertx vertx, Config config) {
        PgConnectOptions options = DedicatedConnections.options(config, "onebase-listener").setTcpKeepAlive(true);
        connect(vertx, options);
        heartbeat = vertx.setPeriodic(Math.max(25, boundMs / 4), id -> checkAlive());
    }

    /**
     * A new subscriber per connection, without the client's own reconnecting (which would hide the gap): the moment
     * the connection drops, KnownKeys stops trusting what it remembers; a second later a new connection is tried.
     */
    private synchronized void connect(Vertx vertx, PgConnectOptions options) {
        if (stopped) {
            return;
        }
        PgSubscriber next = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> -1L);
        AtomicBoolean retried = new AtomicBoolean();
        Runnable again = () -> {
            if (retried.compareAndSet(false, true) && !isStopped()) {
                vertx.setTimer(1000, id -> connect(vertx, options));
            }
        };
        next.closeHandler(v -> {
            known.listening(false);
            if (!isStopped()) {
                LOG.warn("Lost the tenant access announcements; API keys are checked in the database until they are back");
            }
            again.run();
        });
        next.channel(CHANNEL)
                .subscribeHandler(v -> {
                    if (isCurrent(next)) {
                        long subscribed = System.nanoTime();
                        known.listening(true);
                        known.heard(subscribed + TimeUnit.MILLISECONDS.toNanos(boundMs));
                    }
                })
                .handler(this::changed);
        subscriber = next;
        next.connect().onFailure(e -> {
            LOG.warnf("Cannot listen for tenant access changes yet (%s); trying again in a second", e.getMessage());
            next.close();
            again.run();
        });
    }

    private synchronized boolean isCurrent(PgSubscriber s) {
        return s == subscriber && !s.closed() && !stopped;
    }

    private synchronized boolean isStopped() {
        return stopped;
    }

    /**
     * A connection can die without a word (an idle timeout in the network, a partition, a stopped server process):
     * a round trip on it proves it alive, and every announcement committed before the round trip began has arrived
     * ahead of its answer. One that does not come back within the bound ends the connection, so the gap is noticed.
     */
    private void checkAlive() {
        PgSubscriber s;
        synchronized (this) {
            s = subscriber;
        }
        if (s == null || s.closed() || s.actualConnection() == null || !checking.compareAndSet(false, true)) {
            return;
        }
        long sent = System.nanoTime();
        s.actualConnection().query("select 1").execute()
                .timeout(boundMs, TimeUnit.MILLISECONDS)
                .onComplete(r -> checking.set(false))
                .onSuccess(r -> {
                    if (isCurrent(s)) {
                        known.heard(sent + TimeUnit.MILLISECONDS.toNanos(boundMs));
                    }
                })
                .onFailure(e -> {
                    if (isCurrent(s)) {
                        LOG.warnf("The tenant access listener did not answer (%s); reconnecting", e.getMessage());
                        known.listening(false);
                        s.close();
                    }
                });
    }

    private void changed(String payload) {
        try {
            known.forgetTenant(UUID.fromString(payload));
        } catch (IllegalArgumentException e) {
            known.forgetAll();
        }
    }

    synchronized void stop(@Observes ShutdownEvent event, Vertx vertx) {
        stopped = true;
        vertx.cancelTimer(heartbeat);
        if (subscriber != null) {
            subscriber.close();
        }
    }
}
