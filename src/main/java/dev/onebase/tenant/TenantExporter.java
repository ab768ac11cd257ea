package dev.onebase.tenant;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.onebase.web.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Writes one tenant's whole data as a tar archive from one consistent snapshot (a REPEATABLE READ, READ ONLY
 * transaction on the connection it is given): {@code onebase-export.json} first (format, schema version, tenant),
 * then {@code tables/tenants.ndjson}, every large object the tenant's rows refer to ({@code large-objects/OID}, read
 * through {@code file_lo_get} in 1 MiB steps), every other tenant table as NDJSON (one {@code to_jsonb} row a line,
 * parents before children), and {@code manifest.json} last: schema version, row counts, and the SHA-256 and size of
 * every member.
 *
 * <p>Tar needs a member's size before its content. Each member is therefore first spooled to a temporary file (its
 * SHA-256 computed on the way), then copied into the archive and deleted: memory stays flat whatever the size (rows
 * come through a server-side cursor, 200 at a time or fewer so that a fetch stays near 4 MiB when rows hold large
 * {@code bytea} values, as a file kept inline does; large objects 1 MiB at a time), and the temporary disk needed is
 * the largest member's size. Every query filters by the tenant explicitly as well as through Row-Level Security, so
 * it is right over the request role and over a superuser's connection to a recovered scratch cluster alike.
 */
public final class TenantExporter {

    public static final String FORMAT = "onebase-tenant-export";
    public static final int FORMAT_VERSION = 1;
    public static final String HEADER = "onebase-export.json";
    public static final String MANIFEST = "manifest.json";
    static final int CHUNK = 1 << 20;
    /** Rows per round trip of the table cursors at most, and about how many bytes one fetch may hold. */
    static final int FETCH_ROWS = 200;
    static final long FETCH_BYTES = 4 << 20;
    /** A row's JSON beyond its bytea values: the other columns and the names. */
    private static final long ROW_OVERHEAD = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was exported: the manifest as written. */
    @RegisterForReflection
    public record Summary(ObjectNode manifest, long bytes) {
    }

    private final Path spoolDir;

    public TenantExporter(Path spoolDir) {
        this.spoolDir = spoolDir;
    }

    /** Exports {@code tenant} over {@code c} into {@code out}; the connection's transaction is its own and ends here. */
    public Summary export(Connection c, UUID tenant, OutputStream out) throws IOException, SQLException {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
        try {
            Summary s = exportInSnapshot(c, tenant, out);
            c.commit();
            return s;
        } catch (IOException | SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is closed by the caller
            }
            throw e;
        }
    }

    private Summary exportInSnapshot(Connection c, UUID tenant, OutputStream raw) throws IOException, SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "select tenant_scope_read(?::uuid), set_config('intervalstyle', 'iso_8601', true)")) {
            // tenant_scope_read (V21): app.tenant_id and the tenant's placement as search_path, read in this snapshot,
            // so a tenant in a schema of its own is read from there (no lock: a snapshot needs none)
            st.setString(1, tenant.toString());
            st.execute();
        }
        TenantTables schema = TenantTables.read(c);
        ObjectNode tenantRow = tenantRow(c, tenant);
        if (tenantRow == null) {
            throw ProblemException.notFound("No tenant " + tenant);
        }
        CountingOutputStream counted = new CountingOutputStream(raw);
        OutputStream out = new BufferedOutputStream(counted, 1 << 16);
        TenantArchive.Writer tar = new TenantArchive.Writer(out);
        long now = Instant.now().getEpochSecond();
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", FORMAT).put("formatVersion", FORMAT_VERSION).put("schemaVersion", schema.schemaVersion())
                .put("tenantId", tenant.toString()).put("slug", tenantRow.path("slug").asText())
                .put("exportedAt", Instant.now().toString());
        ObjectNode header = manifest.deepCopy();
        ObjectNode members = JSON.createObjectNode();
        ArrayNode tables = JSON.createArrayNode();

        writeMember(tar, HEADER, now, members, o -> o.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(header)));

        List<TenantTables.Table> ordered = schema.tables();
        TenantTables.Table tenants = schema.table(TenantTables.TENANTS);
        tables.add(writeTable(c, tar, tenants, tenant, now, members));
        // the large objects before the rows that refer to them, so an import can map each OID as it goes
        TreeSet<Long> oids = new TreeSet<>();
        for (TenantTables.Table t : ordered) {
            if (!t.derived()) {
                for (String col : t.largeObjectColumns()) {
                    try (PreparedStatement st = c.prepareStatement("select distinct " + q(col) + " from " + q(t.name())
                            + " where tenant_id = ? and " + q(col) + " is not null")) {
                        st.setObject(1, tenant);
                        try (ResultSet rs = st.executeQuery()) {
                            while (rs.next()) {
                                oids.add(rs.getLong(1));
                            }
                        }
                    }
                }
            }
        }
        ArrayNode los = JSON.createArrayNode();
        for (long oid : oids) {
            String name = "large-objects/" + oid;
            long size = writeMember(tar, name, now, members, o -> copyLargeObject(c, tenant, oid, o));
            los.addObject().put("oid", oid).put("member", name).put("bytes", size);
        }
        for (TenantTables.Table t : ordered) {
            if (t == tenants) {
                continue;
            }
            if (t.derived()) {
                tables.addObject().put("table", t.name()).put("derived", true);
                continue;
            }
            tables.add(writeTable(c, tar, t, tenant, now, members));
        }
        manifest.set("tables", tables);
        manifest.set("largeObjects", los);
        manifest.set("members", members);
        byte[] m = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
        tar.header(MANIFEST, m.length, now);
        out.write(m);
        tar.pad(m.length);
        tar.finish();
        out.flush();
        return new Summary(manifest, counted.count);
    }

    private ObjectNode tenantRow(Connection c, UUID tenant) throws SQLException, IOException {
        try (PreparedStatement st = c.prepareStatement("select to_jsonb(t)::text from tenants t where id = ?")) {
            st.setObject(1, tenant);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? (ObjectNode) JSON.readTree(rs.getString(1)) : null;
            }
        }
    }

    private ObjectNode writeTable(Connection c, TenantArchive.Writer tar, TenantTables.Table t, UUID tenant, long now,
            ObjectNode members) throws IOException, SQLException {
        String name = "tables/" + t.name() + ".ndjson";
        String cols = t.exported().stream().map(col -> q(col.name())).collect(Collectors.joining(", "));
        String order = t.primaryKey().isEmpty() ? "" : " order by " + t.primaryKey().stream().map(TenantExporter::q).collect(Collectors.joining(", "));
        String sql = "select to_jsonb(x)::text from (select " + cols + " from " + q(t.name()) + " where " + q(t.tenantColumn())
                + " = ?" + order + ") x";
        long[] rows = { 0 };
        int fetch = fetchSize(c, t, tenant);
        long size = writeMember(tar, name, now, members, o -> {
            try (PreparedStatement st = c.prepareStatement(sql)) {
                st.setFetchSize(fetch);
                st.setObject(1, tenant);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        // the text's bytes as they came (UTF-8, the driver's client encoding): no String, no copy
                        o.write(rs.getBytes(1));
                        o.write('\n');
                        rows[0]++;
                    }
                }
            }
        });
        ObjectNode entry = JSON.createObjectNode();
        entry.put("table", t.name()).put("member", name).put("rows", rows[0]).put("bytes", size);
        if (t.unlogged()) {
            entry.put("unlogged", true);
        }
        if (!t.secretColumns().isEmpty()) {
            ArrayNode left = entry.putArray("omittedSecrets");
            t.secretColumns().forEach(left::add);
        }
        if (!t.importable()) {
            entry.put("importable", false);
        }
        return entry;
    }

    /**
     * Rows per round trip: {@link #FETCH_ROWS}, fewer when the tenant's rows in the table hold large {@code bytea}
     * values (a 1 MiB file kept inline is a 2 MiB line of hex), so that one fetch holds about {@link #FETCH_BYTES}
     * whatever the rows hold. The driver keeps a whole fetch in memory, so a fixed count of rows would not be flat.
     * {@code octet_length} of a stored value reads its length, not the value, so this costs a scan of the tenant's
     * rows without reading their large values.
     */
    static int fetchSize(Connection c, TenantTables.Table t, UUID tenant) throws SQLException {
        List<String> bytea = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("""
                select attname from pg_attribute
                 where attrelid = to_regclass(?) and attnum > 0 and not attisdropped and atttypid = 'bytea'::regtype
                """)) {
            st.setString(1, q(t.name()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    bytea.add(rs.getString(1));
                }
            }
        }
        Set<String> exported = t.exported().stream().map(TenantTables.Column::name).collect(Collectors.toSet());
        bytea.retainAll(exported);
        if (bytea.isEmpty()) {
            return FETCH_ROWS;
        }
        String widest = bytea.stream().map(col -> "coalesce(max(octet_length(" + q(col) + ")), 0)").collect(Collectors.joining(" + "));
        long max;
        try (PreparedStatement st = c.prepareStatement("select " + widest + " from " + q(t.name()) + " where "
                + q(t.tenantColumn()) + " = ?")) {
            st.setObject(1, tenant);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                max = rs.getLong(1);
            }
        }
        long row = 2 * max + ROW_OVERHEAD; // hex doubles a bytea value
        return (int) Math.max(1, Math.min(FETCH_ROWS, FETCH_BYTES / row));
    }

    private static void copyLargeObject(Connection c, UUID tenant, long oid, OutputStream o) throws IOException, SQLException {
        try (PreparedStatement st = c.prepareStatement("select file_lo_get(?, ?, ?, ?)")) {
            long offset = 0;
            while (true) {
                st.setObject(1, tenant);
                st.setLong(2, oid);
                st.setLong(3, offset);
                st.setInt(4, CHUNK);
                byte[] part;
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    part = rs.getBytes(1);
                }
                o.write(part);
                offset += part.length;
                if (part.length < CHUNK) {
                    return;
                }
            }
        }
    }

    interface Content {
        void write(OutputStream o) throws IOException, SQLException;
    }

    /** Spools a member to a temporary file (size and SHA-256 on the way), copies it into the archive, deletes it. */
    private long writeMember(TenantArchive.Writer tar, String name, long now, ObjectNode members, Content content)
            throws IOException, SQLException {
        Path spool = Files.createTempFile(spoolDir, "onebase-export-", ".part");
        try {
            MessageDigest sha = sha256();
            try (OutputStream o = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(spool), 1 << 16), sha)) {
                content.write(o);
            }
            long size = Files.size(spool);
            tar.header(name, size, now);
            try (InputStream in = Files.newInputStream(spool)) {
                in.transferTo(tar.stream());
            }
            tar.pad(size);
            members.putObject(name).put("sha256", HexFormat.of().formatHex(sha.digest())).put("bytes", size);
            return size;
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String q(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
