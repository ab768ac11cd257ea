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
import io.vertx.pgclient.pubsub.PgSubscriber;

/**
 * LISTENs on {@code onebase_tenant_access} (V8's triggers: a key revoked, a tenant suspended, deleted or moved to
 * another plan, on any replica) and makes {@link KnownKeys} forget that tenant's keys. Reconnects every second when
 * the connection drops; until it is back, KnownKeys remembers nothing.
 */
@ApplicationScoped
public class TenantAccessListener {

    static final String CHANNEL = "onebase_tenant_access";
    private static final Logger LOG = Logger.getLogger(TenantAccessListener.class);

    private final KnownKeys known;
    private PgSubscriber subscriber;

    public TenantAccessListener(KnownKeys known) {
        this.known = known;
    }

    void start(@Observes StartupEvent event, Vertx vertx, Config config) {
        subscriber = PgSubscriber.subscriber(vertx, DedicatedConnections.options(config, "onebase-listener"))
                .reconnectPolicy(retries -> 1000L);
        subscriber.closeHandler(v -> {
            known.listening(false);
            LOG.warn("Lost the tenant access announcements; API keys are checked in the database until they are back");
        });
        subscriber.channel(CHANNEL)
                .subscribeHandler(v -> known.listening(true))
                .handler(this::changed);
        connect(vertx);
    }

    private void connect(Vertx vertx) {
        subscriber.connect().onFailure(e -> {
            LOG.warnf("Cannot listen for tenant access changes yet (%s); trying again in a second", e.getMessage());
            vertx.setTimer(1000, id -> {
                if (!subscriber.closed()) {
                    connect(vertx);
                }
            });
        });
    }

    private void changed(String payload) {
        try {
            known.forgetTenant(UUID.fromString(payload));
        } catch (IllegalArgumentException e) {
            known.forgetAll();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.close();
        }
    }
}
