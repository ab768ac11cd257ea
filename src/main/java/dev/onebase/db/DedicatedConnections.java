package dev.onebase.db;

import java.util.HashMap;

import org.eclipse.microprofile.config.Config;

import io.vertx.pgclient.PgConnectOptions;

/**
 * Connections that live outside the pool for as long as the service runs (the job runner's advisory locks, the
 * listener for tenant access changes): the request role, on the datasource's first host.
 */
public final class DedicatedConnections {

    private DedicatedConnections() {
    }

    public static PgConnectOptions options(Config config, String applicationName) {
        String url = config.getValue("quarkus.datasource.reactive.url", String.class).split(",")[0].trim();
        PgConnectOptions options = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""));
        config.getOptionalValue("quarkus.datasource.username", String.class).ifPresent(options::setUser);
        config.getOptionalValue("quarkus.datasource.password", String.class).ifPresent(options::setPassword);
        options.setProperties(new HashMap<>(options.getProperties()));
        options.getProperties().put("application_name", applicationName);
        options.setMetricsName(applicationName);
        return options;
    }
}
