package dev.onebase.db;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decides, before Quarkus reads its configuration, where the database is: the standard
 * {@code QUARKUS_DATASOURCE_*} settings (nothing to do), one {@code DATABASE_URL} (the owner; the request role is
 * derived and provisioned), or, when neither is given, the embedded default cluster.
 */
public final class DatabaseBootstrap {

    public static final String DEFAULT_DATA_DIR = ".onebase/db";

    private DatabaseBootstrap() {
    }

    /** The configuration properties to add; empty when the database is configured the standard way. */
    public static Map<String, String> resolve() {
        if (setting("quarkus.datasource.reactive.url").isPresent()) {
            return Map.of();
        }
        Optional<String> databaseUrl = setting("database.url");
        if (databaseUrl.isPresent()) {
            return fromDatabaseUrl(databaseUrl.get());
        }
        if (!Boolean.parseBoolean(setting("onebase.embedded.enabled").orElse("true"))) {
            throw new IllegalStateException("No database configured (DATABASE_URL or QUARKUS_DATASOURCE_REACTIVE_URL) "
                    + "and the embedded database is disabled (ONEBASE_EMBEDDED_ENABLED=false)");
        }
        Path dataDir = Path.of(setting("onebase.embedded.data-dir").orElse(DEFAULT_DATA_DIR));
        return embedded(dataDir, false);
    }

    /** Starts the embedded cluster in {@code dataDir} and returns the settings that point onebase at it. */
    public static Map<String, String> embedded(Path dataDir, boolean ephemeral) {
        Path bin = PostgresBinaries.find(setting("onebase.embedded.bin-dir"));
        EmbeddedPostgres pg = EmbeddedPostgres.start(dataDir, bin, ephemeral);
        DatabaseCredentials c = pg.credentials();
        Map<String, String> props = connectionProperties("127.0.0.1", pg.port(), EmbeddedPostgres.DATABASE, "", c);
        props.put("onebase.db.bin-dir", bin.toString());
        props.put("onebase.db.data-dir", pg.dataDir().toString());
        return props;
    }

    static Map<String, String> fromDatabaseUrl(String raw) {
        URI uri = URI.create(raw.replaceFirst("^postgres(ql)?:", "postgresql:"));
        if (!"postgresql".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalStateException("DATABASE_URL must look like postgres://owner:password@host:5432/database");
        }
        String[] userInfo = Optional.ofNullable(uri.getRawUserInfo()).orElse("").split(":", 2);
        String owner = decode(userInfo[0]);
        String ownerPassword = userInfo.length > 1 ? decode(userInfo[1]) : "";
        int port = uri.getPort() > 0 ? uri.getPort() : 5432;
        String database = uri.getPath() == null || uri.getPath().length() <= 1 ? owner : uri.getPath().substring(1);
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String appUser = setting("onebase.db.app-role").orElse("onebase_app");
        String appPassword = setting("onebase.db.app-password").orElseGet(() -> derivePassword(ownerPassword, appUser));
        DatabaseCredentials c = new DatabaseCredentials(null, null, owner, ownerPassword, appUser, appPassword);
        Map<String, String> props = connectionProperties(uri.getHost(), port, database, query, c);
        try (Connection conn = DriverManager.getConnection(props.get("quarkus.datasource.migration.jdbc.url"), owner, ownerPassword)) {
            RoleSetup.ensureRoles(conn, owner, ownerPassword, false);
            RoleSetup.ensureAppRole(conn, appUser, appPassword);
            RoleSetup.handOverLargeObjects(conn, appUser);
        } catch (SQLException e) {
            throw new IllegalStateException("DATABASE_URL: cannot provision the roles " + appUser + " and " + RoleSetup.ADMIN_ROLE
                    + " as " + owner + " (" + e.getMessage() + "). Give the owner CREATEROLE, or create them yourself: "
                    + "see docs/configuration.md, 'Your own PostgreSQL'", e);
        }
        return props;
    }

    private static Map<String, String> connectionProperties(String host, int port, String db, String query, DatabaseCredentials c) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("quarkus.datasource.reactive.url", "postgresql://" + host + ":" + port + "/" + db + query);
        props.put("quarkus.datasource.username", c.appUser());
        props.put("quarkus.datasource.password", c.appPassword());
        props.put("quarkus.datasource.migration.jdbc.url", "jdbc:postgresql://" + host + ":" + port + "/" + db + query);
        props.put("quarkus.datasource.migration.username", c.ownerUser());
        props.put("quarkus.datasource.migration.password", c.ownerPassword());
        props.put("onebase.db.host", host);
        props.put("onebase.db.port", Integer.toString(port));
        props.put("onebase.db.name", db);
        if (c.superuser() != null) {
            props.put("onebase.db.superuser", c.superuser());
            props.put("onebase.db.superuser-password", c.superuserPassword());
        }
        return props;
    }

    /** The same owner password gives every replica the same request-role password, with nothing more to configure. */
    static String derivePassword(String ownerPassword, String role) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("onebase:" + ownerPassword).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(role.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A setting from a system property or its environment-variable form, before Quarkus config exists. */
    static Optional<String> setting(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            value = System.getenv(name.toUpperCase().replaceAll("[^A-Z0-9]", "_"));
        }
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
