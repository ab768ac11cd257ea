package dev.onebase.web;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import io.quarkus.vertx.http.runtime.VertxHttpBuildTimeConfig;
import io.quarkus.vertx.http.runtime.VertxHttpConfig;
import io.quarkus.vertx.http.runtime.VertxHttpRecorder;
import io.quarkus.vertx.http.runtime.options.HttpServerOptionsUtils;
import io.smallrye.config.SmallRyeConfig;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.http.impl.HttpServerRequestInternal;

/**
 * The service's main HTTP server, started here instead of by Quarkus ({@code quarkus.http.host-enabled=false}), so that
 * what the HTTP/1.x parser refuses before any route exists is answered as problem+json too: a request line or header
 * line it cannot read (400), a request line past {@code quarkus.http.limits.max-initial-line-length} (414), headers past
 * {@code quarkus.http.limits.max-header-size} (431), an HTTP version other than 1.0 and 1.1 (501). Vert.x hands such
 * a request to the server's invalid-request handler, which Quarkus never sets on the server it creates (docs/api.md).
 * <p>
 * Everything else is as Quarkus would do it: the options come from {@code quarkus.http.*} through Quarkus' own
 * {@link HttpServerOptionsUtils#applyCommonOptions}, requests go to Quarkus' whole root handler (graceful shutdown,
 * body limits, forwarded headers, the router), one server per event loop ({@code quarkus.http.io-threads} when set)
 * share the one port, and the bound port is published where Quarkus publishes it (the "Listening on" start line, the
 * test port).
 */
@ApplicationScoped
public class MainHttpServer {

    private static final Logger LOG = Logger.getLogger(MainHttpServer.class);

    private final Vertx vertx;
    private final RouterRequests requests;
    private final List<io.vertx.core.http.HttpServer> servers = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile String deployment;

    public MainHttpServer(Vertx vertx, RouterRequests requests) {
        this.vertx = vertx;
        this.requests = requests;
    }

    /**
     * Last of the start-up observers, as Quarkus starts its own server only after them: nothing is served before the
     * start-up work is done.
     */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER + 1000) StartupEvent event) {
        SmallRyeConfig config = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class);
        VertxHttpConfig http = config.getConfigMapping(VertxHttpConfig.class);
        VertxHttpBuildTimeConfig build = config.getConfigMapping(VertxHttpBuildTimeConfig.class);
        LaunchMode mode = LaunchMode.current();
        HttpServerOptions options = new HttpServerOptions();
        int port = http.determinePort(mode);
        // as Quarkus: a negative port is one random port that every instance below shares
        options.setPort(port == 0 ? -1 : port);
        HttpServerOptionsUtils.applyCommonOptions(options, build, http, List.of());
        int maxConnections = http.limits().maxConnections().orElse(-1);
        Handler<HttpServerRequest> root = VertxHttpRecorder.getRootHandler();
        int instances = http.ioThreads().orElse(EventLoops.count(vertx));
        deployment = vertx.deployVerticle(() -> new Listener(options, root, maxConnections), new DeploymentOptions().setInstances(instances))
                .toCompletionStage().toCompletableFuture().join();
        publish(options, servers.get(0).actualPort(), mode, http);
        LOG.debugf("main HTTP server on %s:%d (%d event loops)", options.getHost(), servers.get(0).actualPort(), servers.size());
    }

    /**
     * In dev and test mode, where the application restarts inside one JVM, the servers are undeployed when it stops. A
     * service that is shutting down (normal mode) keeps them until Quarkus closes Vert.x, after every shutdown step,
     * as it did with its own server: undeployed here, right after the jobs' grace, they cut the tail of a download
     * still being written to a slow client (ShutdownIT, seen once in CI). New requests are refused meanwhile by
     * Quarkus' shutdown filter in the root handler.
     */
    void stop(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 900) ShutdownEvent event) {
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            return;
        }
        String id = deployment;
        deployment = null;
        if (id != null) {
            vertx.undeploy(id).toCompletionStage().toCompletableFuture().join();
            servers.clear();
        }
    }

    private final class Listener extends AbstractVerticle {
        private final HttpServerOptions options;
        private final Handler<HttpServerRequest> root;
        private final int maxConnections;

        Listener(HttpServerOptions options, Handler<HttpServerRequest> root, int maxConnections) {
            this.options = options;
            this.root = root;
            this.maxConnections = maxConnections;
        }

        @Override
        public void start(Promise<Void> started) {
            vertx.createHttpServer(options).requestHandler(root).invalidRequestHandler(MainHttpServer.this::invalid)
                    .connectionHandler(this::connected).listen().onSuccess(s -> {
                        servers.add(s);
                        started.complete();
                    }).onFailure(started::fail);
        }

        private void connected(HttpConnection connection) {
            if (maxConnections > 0) {
                if (connections.incrementAndGet() > maxConnections) {
                    connections.decrementAndGet();
                    connection.close();
                    return;
                }
                connection.closeHandler(v -> connections.decrementAndGet());
            }
            if (connection instanceof Http1xServerConnection http1) {
                // Vert.x answers an HTTP version it does not speak (HTTP/2.7) with an empty 501 before the request handler
                http1.handler(req -> {
                    if (req.version() == null) {
                        refuse(req, 501, "Not Implemented", "Only HTTP/1.0 and HTTP/1.1 (and HTTP/2) are spoken here");
                    } else {
                        root.handle(req);
                    }
                });
            }
        }
    }

    /** A request the HTTP decoder could not read: its method, URI and headers are not to be trusted. */
    void invalid(HttpServerRequest req) {
        DecoderResult result = req instanceof HttpServerRequestInternal internal ? internal.decoderResult() : null;
        Throwable cause = result == null ? null : result.cause();
        String message = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        if (cause instanceof TooLongFrameException && message.startsWith("An HTTP line is larger than")) {
            refuse(req, 414, "URI Too Long", "The request line is longer than the HTTP parser's limit (" + parserLimit(message) + " bytes)");
        } else if (cause instanceof TooLongFrameException && message.startsWith("HTTP header is larger than")) {
            refuse(req, 431, "Request Header Fields Too Large", "The request headers are larger than the HTTP parser's limit (" + parserLimit(message) + " bytes)");
        } else {
            refuse(req, 400, "Bad Request", "The request line or a header line is not valid HTTP/1.1");
        }
    }

    /** Netty's own message names the limit: "An HTTP line is larger than 65536 bytes." */
    private static String parserLimit(String message) {
        return message.replaceAll("\\D", "");
    }

    /** The problem, then the connection is closed: what the parser made of the rest of it is not to be trusted. */
    private void refuse(HttpServerRequest req, int status, String title, String detail) {
        String id = RequestIdFilter.idFor(null);
        LOG.debugf("request refused by the HTTP parser: %d (%s)", status, detail);
        Problem body = (Problem) ProblemMapper.respond(status, title, detail, (String) null, Map.of()).getEntity();
        body = new Problem(body.type(), body.title(), body.status(), body.detail(), body.instance(), id);
        req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).putHeader(RequestIdFilter.HEADER, id)
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE).end(requests.encode(body))
                .onComplete(done -> req.connection().close());
    }

    /** Where Quarkus puts its server's port: the start line, the value registry (config, the tests' port). */
    private static void publish(HttpServerOptions options, int port, LaunchMode mode, VertxHttpConfig http) {
        String host = options.getHost();
        String friendly = mode.isDevOrTest() && "0.0.0.0".equals(host) ? "localhost" : host;
        io.quarkus.bootstrap.runner.Timing.setHttpServer(String.format("Listening on: http://%s:%d", friendly, port), false);
        var registry = Arc.container().select(ValueRegistry.class);
        if (registry.isResolvable()) {
            ValueRegistry values = registry.get();
            values.register(HttpServer.HTTP_PORT, port);
            URI base = URI.create("http://" + (http.testHost().orElse(friendly)) + ":" + port);
            values.register(HttpServer.LOCAL_BASE_URI, base);
            if (mode.isDevOrTest()) {
                values.register(HttpServer.HTTP_TEST_PORT, port);
                values.register(ValueRegistry.RuntimeKey.<String>key("test.url"), base.toString());
            }
        }
    }
}
