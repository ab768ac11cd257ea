package dev.onebase.tenant;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
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
 */
@ApplicationScoped
public class TenantAccessListener {

    static final String CHANNEL = "onebase_tenant_access";
    private static final Logger LOG = Logger.getLogger(TenantAccessListener.class);

    private final KnownKeys known;
    private PgSubscriber subscriber;
    private boolean stopped;

    public TenantAccessListener(KnownKeys known) {
        this.known = known;
    }

    void start(@Observes StartupEvent event, Vertx vertx, Config config) {
        connect(vertx, DedicatedConnections.options(config, "onebase-listener"));
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
        next.closeHandler(v -> {
            known.listening(false);
            if (!stopped) {
                LOG.warn("Lost the tenant access announcements; API keys are checked in the database until they are back");
                retry(vertx, options);
            }
        });
        next.channel(CHANNEL)
                .subscribeHandler(v -> known.listening(true))
                .handler(this::changed);
        subscriber = next;
        next.connect().onFailure(e -> {
            LOG.warnf("Cannot listen for tenant access changes yet (%s); trying again in a second", e.getMessage());
            retry(vertx, options);
        });
    }

    private void retry(Vertx vertx, PgConnectOptions options) {
        vertx.setTimer(1000, id -> connect(vertx, options));
    }

    private void changed(String payload) {
        try {
            known.forgetTenant(UUID.fromString(payload));
        } catch (IllegalArgumentException e) {
            known.forgetAll();
        }
    }

    synchronized void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (subscriber != null) {
            subscriber.close();
        }
    }
}
