package dev.onebase.tenant;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import dev.onebase.web.ProblemException;

/**
 * Tenant export and import over the service's own database: plain JDBC as the request role (fenced by Row-Level
 * Security like every request), on a connection of its own rather than one of the request pool, since an export is
 * as slow as the client that downloads it. Both run on a worker thread and block; the HTTP answer's output stream
 * blocks the writer while the client does not read (Vert.x's write queue and drain), so a slow client slows the
 * export instead of filling memory.
 */
@ApplicationScoped
public class TenantExports {

    private static final Logger LOG = Logger.getLogger(TenantExports.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Config config;

    public TenantExports(Config config) {
        this.config = config;
    }

    /** A connection to the service's database as the request role. */
    public Connection connect() throws SQLException {
        String url = config.getOptionalValue("quarkus.datasource.migration.jdbc.url", String.class).orElseGet(() -> "jdbc:"
                + config.getValue("quarkus.datasource.reactive.url", String.class).split(",")[0].trim().replaceFirst("^vertx-reactive:", ""));
        String user = config.getOptionalValue("quarkus.datasource.username", String.class).orElse(null);
        String password = config.getOptionalValue("quarkus.datasource.password", String.class).orElse(null);
        Connection c = DriverManager.getConnection(url, user, password);
        try (PreparedStatement st = c.prepareStatement("set application_name = 'onebase-tenant-export'")) {
            st.execute();
        }
        return c;
    }

    public static Path spoolDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The archive of {@code tenant} as a streamed answer: 404 before anything is sent when there is no such tenant. */
    public Response export(UUID tenant) {
        Connection c;
        try {
            c = connect();
            if (!existsAlone(c, tenant)) {
                c.close();
                throw ProblemException.notFound("No tenant " + tenant);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the database for an export", e);
        }
        StreamingOutput body = out -> {
            long started = System.nanoTime();
            try (Connection conn = c) {
                TenantExporter.Summary s = new TenantExporter(spoolDir()).export(conn, tenant, out);
                LOG.infof("exported tenant %s: %d bytes in %d ms", tenant, s.bytes(), (System.nanoTime() - started) / 1_000_000);
            } catch (SQLException e) {
                LOG.errorf(e, "export of tenant %s failed; the client got a cut-off archive (no manifest)", tenant);
                throw new IOException("export failed: " + e.getMessage(), e);
            }
        };
        return Response.ok(body, "application/x-tar")
                .header("Content-Disposition", "attachment; filename=\"tenant-" + tenant + "-" + STAMP.format(Instant.now()) + ".tar\"")
                .build();
    }

    /** Whether the tenant exists (in any status). */
    public boolean exists(UUID tenant) {
        try (Connection c = connect()) {
            return existsAlone(c, tenant);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the database", e);
        }
    }

    /** Imports an archive; see {@link TenantImporter}. */
    public TenantImporter.Result importArchive(InputStream in, TenantImporter.Options options) {
        try (Connection c = connect()) {
            return new TenantImporter().importArchive(c, in, options);
        } catch (SQLException e) {
            throw TenantImporter.explain(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the tenant exists, in a transaction of its own scoped to it. */
    static boolean existsAlone(Connection c, UUID tenant) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement st = c.prepareStatement("select set_config('app.tenant_id', ?, true)")) {
            st.setString(1, tenant.toString());
            st.execute();
            return exists(c, tenant);
        } finally {
            c.rollback();
        }
    }

    /** Whether the tenant exists, in the transaction under way (scoped to it). */
    static boolean exists(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("select 1 from tenants where id = ?")) {
            st.setObject(1, tenant);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

}
