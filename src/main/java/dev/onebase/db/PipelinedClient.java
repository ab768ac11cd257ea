package dev.onebase.db;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.impl.ContextInternal;
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
 *
 * <p>Each event loop gets a connection of its own (up to {@code onebase.db.pipelined-connections}; loops past that
 * share the first ones), opened from that loop, so a request's command is written and its answer read on the thread
 * that serves the request: no hand-over to another loop and back, and no wake-up of another thread, per command.
 */
@ApplicationScoped
public class PipelinedClient {

    private final Vertx vertx;
    private final PgConnectOptions options;
    private final int connections;
    private final Map<EventLoop, SqlClient> byLoop = new ConcurrentHashMap<>();
    private final List<SqlClient> loopClients = new CopyOnWriteArrayList<>();
    private final List<SqlClient> opened = new CopyOnWriteArrayList<>();
    private volatile SqlClient offLoop;

    public PipelinedClient(Vertx vertx, Config config,
            @ConfigProperty(name = "onebase.db.pipelined-connections", defaultValue = "4") int connections) {
        this.vertx = vertx;
        this.options = DedicatedConnections.options(config, "onebase-pipelined");
        options.setPipeliningLimit(config.getOptionalValue("quarkus.datasource.reactive.postgresql.pipelining-limit", Integer.class).orElse(256));
        options.setCachePreparedStatements(true);
        options.getProperties().put("statement_timeout", "5s");
        this.connections = Math.max(1, connections);
    }

    /** The client of the calling event loop (one connection, opened from that loop); off a loop, a shared one. */
    public SqlClient client() {
        Context ctx = io.vertx.core.Vertx.currentContext();
        if (!(ctx instanceof ContextInternal c) || !c.isEventLoopContext()) {
            return offLoop();
        }
        SqlClient client = byLoop.get(c.nettyEventLoop());
        return client != null ? client : forLoop(c.nettyEventLoop());
    }

    private synchronized SqlClient forLoop(EventLoop loop) {
        return byLoop.computeIfAbsent(loop, l -> {
            if (loopClients.size() < connections) {
                loopClients.add(open());
            }
            return loopClients.get(byLoop.size() % loopClients.size());
        });
    }

    private synchronized SqlClient offLoop() {
        if (offLoop == null) {
            offLoop = open();
        }
        return offLoop;
    }

    /** A client of one connection; the pool opens it on the event loop of the first command's caller. */
    private SqlClient open() {
        SqlClient client = SqlClient.newInstance(PgBuilder.client()
                .with(new PoolOptions().setMaxSize(1))
                .connectingTo(options)
                .using(vertx.getDelegate())
                .build());
        opened.add(client);
        return client;
    }

    @PreDestroy
    void close() {
        opened.forEach(SqlClient::closeAndAwait);
    }
}
