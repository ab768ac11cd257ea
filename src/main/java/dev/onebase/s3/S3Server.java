package dev.onebase.s3;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.onebase.web.EventLoops;
import dev.onebase.web.RequestIdFilter;
import dev.onebase.web.RouteTemplates;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * The S3 endpoint: a Vert.x HTTP server of its own on {@code onebase.s3.port}, so buckets sit at the root of its URL
 * space (path style {@code /bucket/key}, or {@code bucket.<domain>} with {@code onebase.s3.domain}) without sharing a
 * namespace with /api, /admin and /q, and so its answers are S3's XML, never problem+json. It is one server per event
 * loop on the one port ({@link Listener}). Requests are handled on the event loop; bodies stream in and out (the
 * request stays paused until the handler reads it).
 */
@ApplicationScoped
public class S3Server {

    private static final Logger LOG = Logger.getLogger(S3Server.class);
    private static final Set<String> UNSUPPORTED = Set.of("acl", "policy", "policyStatus", "lifecycle", "tagging", "website", "logging",
            "notification", "replication", "encryption", "object-lock", "retention", "legal-hold", "accelerate", "requestPayment",
            "inventory", "analytics", "metrics", "intelligent-tiering", "ownershipControls", "publicAccessBlock", "torrent", "restore",
            "select", "attributes");

    private final Vertx vertx;
    private final S3Config config;
    private final SecretBox box;
    private final S3Auth auth;
    private final S3Buckets buckets;
    private final S3Objects objects;
    private final S3Multipart multipart;
    private final S3Cors cors;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private String deployment;

    public S3Server(Vertx vertx, S3Config config, SecretBox box, S3Auth auth, S3Buckets buckets, S3Objects objects, S3Multipart multipart,
            S3Cors cors) {
        this.vertx = vertx;
        this.config = config;
        this.box = box;
        this.auth = auth;
        this.buckets = buckets;
        this.objects = objects;
        this.multipart = multipart;
        this.cors = cors;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        if (!box.configured()) {
            LOG.warn("The S3 endpoint is off: set onebase.s3.secret-key (ONEBASE_S3_SECRET_KEY) to turn it on");
            return;
        }
        int instances = EventLoops.count(vertx);
        for (int attempt = 1;; attempt++) {
            // Quarkus' Micrometer binder tags a server's meters (http.server.active.connections, ...) with
            // server.port only when the options name a port: with port 0 (tests) the S3 server's gauges would collide
            // with the main server's and be dropped as duplicates, so a free port is picked here first
            // (docs/observability.md#metrics). A concrete port is also what lets the servers below share one socket.
            int port = config.port() == 0 ? freePort(config.host()) : config.port();
            HttpServerOptions options = new HttpServerOptions().setPort(port).setHost(config.host())
                    .setMaxHeaderSize(16384).setDecompressionSupported(false)
                    // body pieces stay at Netty's 8 KiB: Vert.x queues up to 8 pieces of a paused request before it
                    // stops reading the socket, so 64 KiB pieces (tried) held eight times the heap per connection
                    // S3 clients speak HTTP/1.1; refusing the h2c upgrade keeps one framing to reason about
                    .setHttp2ClearTextEnabled(false);
            try {
                deployment = vertx.deployVerticle(() -> new Listener(options), new DeploymentOptions().setInstances(instances))
                        .toCompletionStage().toCompletableFuture().join();
                break;
            } catch (RuntimeException e) {
                servers.clear();
                if (config.port() != 0 || attempt == 5) {
                    throw e;
                }
                LOG.debugf("S3 endpoint: port %d was taken meanwhile (%s), picking another", port, e.getMessage());
            }
        }
        LOG.infof("S3 endpoint listening on %s:%d (%d event loops)", config.host(), port(), servers.size());
    }

    /**
     * One HTTP server per event loop, all on the same host and port: Vert.x binds the socket once and hands each
     * accepted connection to the servers in turn, so the parallel connections of one client (aws-cli's ten ranged
     * GETs or part uploads) are served by every event loop instead of one. Each instance of the deployment runs on an
     * event loop of its own (the main HTTP server is deployed the same way).
     */
    private final class Listener extends AbstractVerticle {
        private final HttpServerOptions options;

        Listener(HttpServerOptions options) {
            this.options = options;
        }

        @Override
        public void start(Promise<Void> started) {
            vertx.createHttpServer(options).requestHandler(S3Server.this::handle).listen().onSuccess(s -> {
                servers.add(s);
                started.complete();
            }).onFailure(started::fail);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (deployment != null) {
            vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().join();
            deployment = null;
            servers.clear();
        }
    }

    private static int freePort(String host) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("no free port for the S3 endpoint on " + host, e);
        }
    }

    /** The port the endpoint listens on (the one picked when configured as 0), or -1 when it is off. */
    public int port() {
        return servers.isEmpty() ? -1 : servers.get(0).actualPort();
    }

    private void handle(HttpServerRequest http) {
        http.pause();
        RouteTemplates.label(http, "/s3");
        String requestId = RequestIdFilter.idFor(http.getHeader(RequestIdFilter.HEADER));
        String resource = http.path();
        Request[] parsed = new Request[1];
        Uni.createFrom().deferred(() -> {
            Request req = new Request(http, virtualBucket(http.getHeader("Host")), requestId);
            parsed[0] = req;
            RouteTemplates.label(http, req.bucket == null ? "/s3" : req.key == null ? "/s3/{bucket}" : "/s3/{bucket}/{key}");
            if (req.method.equals("OPTIONS")) {
                return cors.preflight(req);
            }
            return auth.authenticate(req).flatMap(signed -> {
                req.signed = signed;
                return cors.decorate(req).flatMap(x -> dispatch(req));
            });
        }).subscribe().with(x -> {
        }, failure -> Reply.fail(http, resource, requestId, failure, parsed[0] != null && parsed[0].continued));
    }

    private Uni<Void> dispatch(Request req) {
        for (String sub : req.query.keySet()) {
            if (UNSUPPORTED.contains(sub)) {
                throw S3Error.notImplemented("The '" + sub + "' subresource");
            }
        }
        if (req.bucket == null) {
            if (req.method.equals("GET")) {
                return buckets.list(req);
            }
            throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
        }
        if (req.key == null) {
            return switch (req.method) {
                case "GET" -> bucketGet(req);
                case "HEAD" -> buckets.head(req);
                case "PUT" -> req.has("cors") ? cors.put(req) : req.has("versioning") ? throwing("PutBucketVersioning") : buckets.create(req);
                case "DELETE" -> req.has("cors") ? cors.delete(req) : buckets.delete(req);
                case "POST" -> req.has("delete") ? objects.deleteMany(req) : throwing("POST on a bucket");
                default -> throwing(req.method + " on a bucket");
            };
        }
        return switch (req.method) {
            case "GET" -> req.has("uploadId") ? multipart.listParts(req) : objects.get(req);
            case "HEAD" -> objects.get(req);
            case "PUT" -> req.has("uploadId") ? multipart.uploadPart(req)
                    : req.header("x-amz-copy-source") != null ? objects.copy(req) : objects.put(req);
            case "DELETE" -> req.has("uploadId") ? multipart.abort(req) : objects.delete(req);
            case "POST" -> req.has("uploads") ? multipart.create(req) : req.has("uploadId") ? multipart.complete(req) : throwing("POST on an object");
            default -> throwing(req.method + " on an object");
        };
    }

    private Uni<Void> bucketGet(Request req) {
        if (req.has("location")) {
            return buckets.location(req);
        }
        if (req.has("cors")) {
            return cors.get(req);
        }
        if (req.has("versioning")) {
            return buckets.versioning(req);
        }
        if (req.has("uploads")) {
            return multipart.listUploads(req);
        }
        if (req.has("versions")) {
            return buckets.listVersions(req);
        }
        return buckets.listObjects(req);
    }

    private static Uni<Void> throwing(String what) {
        return Uni.createFrom().failure(S3Error.notImplemented(what));
    }

    /** {@code bucket.<domain>} names the bucket when virtual-host style is configured. */
    private String virtualBucket(String host) {
        if (host == null || config.domain().isEmpty()) {
            return null;
        }
        String h = host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        String suffix = "." + config.domain().get().toLowerCase(Locale.ROOT);
        return h.endsWith(suffix) && h.length() > suffix.length() ? h.substring(0, h.length() - suffix.length()) : null;
    }
}
