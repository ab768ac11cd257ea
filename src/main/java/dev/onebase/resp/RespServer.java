package dev.onebase.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

/**
 * The Redis protocol port: one Vert.x {@link NetServer} per RESP event loop ({@code onebase.resp.event-loops}) on the
 * same port (Vert.x hands each new connection to one of them in turn), so connections never need a thread of their
 * own. Few loops by default: the commands of the connections of one loop share statements (CacheBatcher), and a
 * command's cost is mostly per statement. TLS when a certificate and key are configured.
 */
@ApplicationScoped
public class RespServer {

    private static final Logger LOG = Logger.getLogger(RespServer.class);

    private final Vertx vertx;
    private final RespConfig config;
    private final RespCommands commands;
    private final List<NetServer> servers = new ArrayList<>();
    private volatile int port = -1;

    RespServer(Vertx vertx, RespConfig config, RespCommands commands) {
        this.vertx = vertx;
        this.config = config;
        this.commands = commands;
    }

    /** The port it listens on (the chosen one when configured as 0), or -1 when it is off. */
    public int port() {
        return port;
    }

    void start(@Observes StartupEvent event) throws Exception {
        if (!config.enabled()) {
            return;
        }
        // Vert.x shares a port among the servers of one host:port; a free port (0) is bound once, on one event loop
        int loops = config.eventLoops() > 0 ? config.eventLoops() : Runtime.getRuntime().availableProcessors();
        int instances = config.port() == 0 ? 1 : Math.max(1, loops);
        int bound = -1;
        for (int i = 0; i < instances; i++) {
            bound = listen(config.port());
        }
        port = bound;
        LOG.infof("RESP (Redis protocol) listening on %s:%d%s", config.host(), bound, tls() ? " with TLS" : "");
    }

    private int listen(int onPort) throws Exception {
        NetServerOptions options = new NetServerOptions().setHost(config.host()).setPort(onPort).setTcpNoDelay(true);
        if (tls()) {
            options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tlsCert().get()).setKeyPath(config.tlsKey().get()));
        }
        NetServer server = vertx.createNetServer(options)
                .connectHandler(socket -> new RespConnection(socket, commands, config.maxPipeline()).start());
        servers.add(server);
        return server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).actualPort();
    }

    private boolean tls() {
        return config.tlsCert().isPresent() && config.tlsKey().isPresent();
    }

    void stop(@Observes ShutdownEvent event) {
        for (NetServer server : servers) {
            server.close();
        }
    }
}
