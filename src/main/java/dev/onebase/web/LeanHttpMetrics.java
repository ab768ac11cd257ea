package dev.onebase.web;

import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.ConfigProvider;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import io.quarkus.micrometer.runtime.HttpServerMetricsTagsContributor;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.micrometer.runtime.binder.HttpBinderConfiguration;
import io.quarkus.micrometer.runtime.export.exemplars.OpenTelemetryContextUnwrapper;
import io.quarkus.micrometer.runtime.binder.vertx.HttpRequestMetric;
import io.quarkus.vertx.http.runtime.ExtendedQuarkusVertxHttpMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

/**
 * Records {@code http.server.requests} of a request whose route template is known (JAX-RS, the routes served from the
 * router, the S3 server: {@link RouteTemplates}) with a Timer resolved once per template, method and status, instead
 * of Quarkus' Vert.x binder building and sorting four tags, normalizing the template with two regular expressions and
 * looking the Timer up in the registry on every request (issue 19: the cache GET's profile). Same meter, same name,
 * same labels ({@code method}, {@code uri}, {@code outcome}, {@code status}), same registry: the binder's own Timer.
 * The Timer is stopped inside the request's tracing context, as the binder does (exemplars). Everything else (requests
 * without a template, the per-server meters, WebSockets, resets) is the binder's, unchanged; so is a request whose
 * template a match or ignore pattern concerns, a 4xx with 4xx suppressed, and everything when tag contributors exist.
 */
final class LeanHttpMetrics {

    private static final String TEMPLATE_KEY = "UrlPathTemplate";
    private static final String REQUESTS = "http.server.requests";
    private static final Pattern NORMAL_TEMPLATE = Pattern.compile("(/[^/]+)+");

    private LeanHttpMetrics() {
    }

    /** Wraps the metrics options Quarkus set (its binder) so that the HTTP servers' metrics get the lean path. */
    static void install(VertxOptions options) {
        MetricsOptions binder = options.getMetricsOptions();
        if (binder == null || !binder.isEnabled() || binder.getFactory() == null) {
            return;
        }
        VertxMetricsFactory factory = binder.getFactory();
        options.setMetricsOptions(new MetricsOptions(binder) {
            @Override
            public VertxMetricsFactory getFactory() {
                return vertxOptions -> new Vertx(factory.metrics(vertxOptions));
            }
        }.setEnabled(true));
    }

    /**
     * The binder's configuration and exemplar hook, or null when the binder does something this does not reproduce
     * (tag contributors, or the Timer turned off by configuration).
     */
    static Binder binder() {
        ArcContainer arc = Arc.container();
        if (arc == null || !ConfigProvider.getConfig().getOptionalValue("onebase.metrics.lean-http", Boolean.class).orElse(true)
                || !arc.listAll(HttpServerMetricsTagsContributor.class).isEmpty()) {
            return null;
        }
        HttpBinderConfiguration config = arc.instance(HttpBinderConfiguration.class).get();
        OpenTelemetryContextUnwrapper unwrapper = arc.instance(OpenTelemetryContextUnwrapper.class).get();
        if (config == null || unwrapper == null || !config.isServerEnabled()) {
            return null;
        }
        return new Binder(config.unwrap(), unwrapper);
    }

    @RegisterForReflection
    record Binder(HttpBinderConfiguration config, OpenTelemetryContextUnwrapper unwrapper) {
    }

    /** The binder's VertxMetrics, with the HTTP servers' metrics wrapped. */
    static final class Vertx implements VertxMetrics, ExtendedQuarkusVertxHttpMetrics {
        private final VertxMetrics binder;

        Vertx(VertxMetrics binder) {
            this.binder = binder;
        }

        @Override
        @SuppressWarnings({ "unchecked", "rawtypes" })
        public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
            HttpServerMetrics server = binder.createHttpServerMetrics(options, localAddress);
            Binder b = server == null ? null : binder();
            return b == null ? server : new Server(server, b);
        }

        @Override
        public ConnectionTracker getHttpConnectionTracker() {
            return binder instanceof ExtendedQuarkusVertxHttpMetrics e ? e.getHttpConnectionTracker() : NOOP_CONNECTION_TRACKER;
        }

        @Override
        public EventBusMetrics<?> createEventBusMetrics() {
            return binder.createEventBusMetrics();
        }

        @Override
        public ClientMetrics<?, ?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
            return binder.createClientMetrics(remoteAddress, type, namespace);
        }

        @Override
        public HttpClientMetrics<?, ?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
            return binder.createHttpClientMetrics(options);
        }

        @Override
        public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
            return binder.createNetServerMetrics(options, localAddress);
        }

        @Override
        public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
            return binder.createNetClientMetrics(options);
        }

        @Override
        public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
            return binder.createDatagramSocketMetrics(options);
        }

        @Override
        public PoolMetrics<?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
            return binder.createPoolMetrics(poolType, poolName, maxPoolSize);
        }

        @Override
        public void vertxCreated(io.vertx.core.Vertx vertx) {
            binder.vertxCreated(vertx);
        }

        @Override
        public boolean isMetricsEnabled() {
            return binder.isMetricsEnabled();
        }

        @Override
        public void close() {
            binder.close();
        }
    }

    /** One HTTP server's metrics: the binder's, but for the end of a request with a template. */
    @SuppressWarnings({ "unchecked", "rawtypes" })
    static final class Server implements HttpServerMetrics<Object, Object, Object> {
        private final HttpServerMetrics binder;
        private final Binder config;

        Server(HttpServerMetrics binder, Binder config) {
            this.binder = binder;
            this.config = config;
        }

        @Override
        public void responseEnd(Object requestMetric, HttpResponse response, long bytesWritten) {
            if (!(requestMetric instanceof HttpRequestMetric m) || !recorded(m, response.statusCode(), config)) {
                binder.responseEnd(requestMetric, response, bytesWritten);
            }
        }

        @Override
        public Object requestBegin(Object socketMetric, HttpRequest request) {
            return binder.requestBegin(socketMetric, request);
        }

        @Override
        public void requestEnd(Object requestMetric, HttpRequest request, long bytesRead) {
            binder.requestEnd(requestMetric, request, bytesRead);
        }

        @Override
        public void requestReset(Object requestMetric) {
            binder.requestReset(requestMetric);
        }

        @Override
        public void responseBegin(Object requestMetric, HttpResponse response) {
            binder.responseBegin(requestMetric, response);
        }

        @Override
        public Object responsePushed(Object socketMetric, HttpMethod method, String uri, HttpResponse response) {
            return binder.responsePushed(socketMetric, method, uri, response);
        }

        @Override
        public Object connected(Object socketMetric, Object requestMetric, ServerWebSocket serverWebSocket) {
            return binder.connected(socketMetric, requestMetric, serverWebSocket);
        }

        @Override
        public void disconnected(Object serverWebSocketMetric) {
            binder.disconnected(serverWebSocketMetric);
        }

        @Override
        public void requestRouted(Object requestMetric, String route) {
            binder.requestRouted(requestMetric, route);
        }

        @Override
        public Object connected(SocketAddress remoteAddress, String remoteName) {
            return binder.connected(remoteAddress, remoteName);
        }

        @Override
        public void disconnected(Object socketMetric, SocketAddress remoteAddress) {
            binder.disconnected(socketMetric, remoteAddress);
        }

        @Override
        public void bytesRead(Object socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
            binder.bytesRead(socketMetric, remoteAddress, numberOfBytes);
        }

        @Override
        public void bytesWritten(Object socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
            binder.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
        }

        @Override
        public void exceptionOccurred(Object socketMetric, SocketAddress remoteAddress, Throwable t) {
            binder.exceptionOccurred(socketMetric, remoteAddress, t);
        }

        @Override
        public void close() {
            binder.close();
        }
    }

    /** Templates seen, each with the Timers of its methods and statuses. */
    private static final ConcurrentHashMap<String, Template> TEMPLATES = new ConcurrentHashMap<>();

    static {
        // Quarkus removes every meter from the global registry when the application stops (a test profile's restart,
        // a dev-mode reload, both in the same JVM): a Timer kept past that would record into nothing
        Metrics.globalRegistry.config().onMeterRemoved(meter -> {
            if (meter.getId().getName().equals(REQUESTS)) {
                TEMPLATES.clear();
            }
        });
    }

    /** Records the request with its template's Timer; false (nothing done) when the binder must decide. */
    static boolean recorded(HttpRequestMetric m, int status, Binder binder) {
        HttpServerRequestInternal request = m.request();
        Timer.Sample sample = m.getSample();
        if (request == null || sample == null || status < 100 || status > 599
                || (status >= 400 && status < 500 && binder.config().isServerSuppress4xxErrors())) {
            return false;
        }
        HttpMethod method = request.method();
        if (method == null || method == HttpMethod.OPTIONS || !(request.context().getLocal(TEMPLATE_KEY) instanceof String template)
                // a 404 or a redirect of a path that is its template's own text: the binder labels it NOT_FOUND or REDIRECTION
                || ((status == 404 || status / 100 == 3) && template.equals(m.getInitialPath()))) {
            return false;
        }
        Template t = TEMPLATES.get(template);
        if (t == null) {
            if (TEMPLATES.size() > 1000) {
                return false;
            }
            t = TEMPLATES.computeIfAbsent(template, k -> new Template(k, binder.config()));
        }
        Timer timer = t.lean ? t.timer(method, status) : null;
        if (timer == null) {
            return false;
        }
        binder.unwrapper().executeInContext(sample::stop, timer, request.context());
        m.requestEnded();
        return true;
    }

    private static final class Template {
        final String uri;
        /**
         * Whether the binder would label it with the template as it is: already normalized, no match pattern that
         * rewrites it, no ignore pattern that drops it (else the binder decides, as before).
         */
        final boolean lean;
        static final int MAX_PER_TEMPLATE = 64;
        /** Copied on write: a template sees a handful of method and status pairs. */
        volatile Entry[] entries = new Entry[0];

        Template(String uri, HttpBinderConfiguration config) {
            this.uri = uri;
            this.lean = NORMAL_TEMPLATE.matcher(uri).matches()
                    && config.getServerMatchPatterns().keySet().stream().noneMatch(p -> p.matcher(uri).matches())
                    && config.getServerIgnorePatterns().stream().noneMatch(p -> p.matcher(uri).matches());
        }

        /** The Timer of this method and status, or null past {@link #MAX_PER_TEMPLATE} of them. */
        Timer timer(HttpMethod method, int status) {
            for (Entry e : entries) {
                if (e.status == status && e.method.equals(method)) {
                    return e.timer;
                }
            }
            return add(method, status);
        }

        private synchronized Timer add(HttpMethod method, int status) {
            for (Entry e : entries) {
                if (e.status == status && e.method.equals(method)) {
                    return e.timer;
                }
            }
            if (entries.length >= MAX_PER_TEMPLATE) {
                // a client inventing methods: the binder's way (and its tag limits) for the rest
                return null;
            }
            Timer timer = Timer.builder(REQUESTS).description("HTTP server request processing time")
                    .tag("method", method.name()).tag("uri", uri).tag("outcome", Outcome.forStatus(status).name())
                    .tag("status", Integer.toString(status)).register(Metrics.globalRegistry);
            Entry[] more = java.util.Arrays.copyOf(entries, entries.length + 1);
            more[entries.length] = new Entry(method, status, timer);
            entries = more;
            return timer;
        }
    }

    @RegisterForReflection
    private record Entry(HttpMethod method, int status, Timer timer) {
    }
}
