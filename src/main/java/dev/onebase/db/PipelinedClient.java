package dev.onebase.db;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

/**
 * A few request-role connections that concurrent requests share for single read-only commands that are each their
 * own transaction (the tenant functions of {@code TenantTx.callShared}): commands from different requests are written
 * to one connection together and answered together, instead of each taking a connection and a round trip of its
 * own. No transactions and no writes here: those take a connection of the pool for themselves, so nothing queued
 * here waits behind a lock. A statement timeout bounds what one slow read can hold up.
 */
@ApplicationScoped
public class PipelinedClient {

    private final SqlClient client;

    public PipelinedClient(Vertx vertx, Config config,
            @ConfigProperty(name = "onebase.db.pipelined-connections", defaultValue = "4") int connections) {
        PgConnectOptions options = DedicatedConnections.options(config, "onebase-pipelined");
        options.setPipeliningLimit(config.getOptionalValue("quarkus.datasource.reactive.postgresql.pipelining-limit", Integer.class).orElse(256));
        options.setCachePreparedStatements(true);
        options.getProperties().put("statement_timeout", "5s");
        this.client = SqlClient.newInstance(PgBuilder.client()
                .with(new PoolOptions().setMaxSize(Math.max(1, connections)))
                .connectingTo(options)
                .using(vertx.getDelegate())
                .build());
    }

    public SqlClient client() {
        return client;
    }

    @PreDestroy
    void close() {
        client.closeAndAwait();
    }
}
