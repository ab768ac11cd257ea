package dev.onebase.tenant;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.onebase.auth.ApiKeys;
import dev.onebase.web.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Loads a tenant archive ({@link TenantExporter}) in one transaction, as it streams in, and checks it against its
 * manifest at the end: every member's SHA-256 and size, every table's row count, the schema version (also checked
 * first, from {@code onebase-export.json}, before anything is written). Anything wrong rolls the whole transaction
 * back, large objects included, so a bad or cut-off archive leaves nothing behind: a damaged or truncated archive is a
 * 400, one that reads but does not match its manifest or this database (schema version, unknown table or column,
 * a constraint) a 422, a tenant that already exists a 409.
 *
 * <p>Rows go in through {@code jsonb_populate_recordset}, so PostgreSQL turns each JSON value back into its column's
 * type exactly as {@code to_jsonb} wrote it; the tenant column is set to the target tenant, large-object columns to
 * the objects created for this import, and identity columns are renumbered by this database (their order is kept).
 */
public final class TenantImporter {

    public enum Mode {
        /** A new tenant with a new id (and the slug asked for, or the archive's with a suffix). */
        NEW,
        /** The archive's tenant id and slug; refused when either exists here. */
        SAME,
        /** Replaces an existing tenant's data: its row, its API keys and S3 keys stay as they are. */
        REPLACE
    }

    /** {@code tenantId}: the tenant to replace (REPLACE only); {@code keepUnlogged}: leave unlogged tables as they are. */
    @RegisterForReflection
    public record Options(Mode mode, UUID tenantId, String slug, boolean keepUnlogged) {
    }

    @RegisterForReflection
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "TenantImportResult")
    public record Result(UUID tenantId, String slug, UUID sourceTenantId, String schemaVersion, Map<String, Long> rows,
            int largeObjects, long largeObjectBytes, String apiKey) {
    }

    /**
     * A batch of rows goes to the database when it holds this many rows or about this many bytes of NDJSON: a row that
     * holds a 1 MiB file inline (2 MiB of hex) goes alone, and memory stays flat whatever the archive holds.
     */
    private static final int BATCH_ROWS = 500;
    private static final int BATCH_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_BIGDECIMAL_AS_PLAIN);

    @RegisterForReflection
    private record Seen(String sha256, long bytes) {
    }

    public Result importArchive(Connection c, InputStream in, Options o) throws IOException, SQLException {
        TenantArchive.Reader tar = new TenantArchive.Reader(in);
        TenantArchive.Member first = tar.next();
        if (first == null || !TenantExporter.HEADER.equals(first.name())) {
            throw TenantArchive.bad("its first member must be " + TenantExporter.HEADER);
        }
        Map<String, Seen> seen = new LinkedHashMap<>();
        MessageDigest sha = TenantExporter.sha256();
        byte[] headerBytes = readSmall(new DigestInputStream(first.content(), sha), 1 << 20, first.name());
        seen.put(first.name(), new Seen(HexFormat.of().formatHex(sha.digest()), headerBytes.length));
        JsonNode header = json(headerBytes, first.name());
        checkFormat(header, first.name());

        c.setAutoCommit(false);
        try {
            Result r = load(c, tar, header, seen, o);
            c.commit();
            return r;
        } catch (IOException | SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // closed by the caller
            }
            throw e;
        }
    }

    private Result load(Connection c, TenantArchive.Reader tar, JsonNode header, Map<String, Seen> seen, Options o)
            throws IOException, SQLException {
        TenantTables schema = TenantTables.read(c);
        String version = header.path("schemaVersion").asText();
        if (!version.equals(schema.schemaVersion())) {
            throw ProblemException.unprocessable("The archive was written at schema version " + version
                    + " and this database is at " + schema.schemaVersion() + ": import it into a onebase of the same version");
        }
        UUID source = uuid(header.path("tenantId").asText(), "tenantId");
        UUID target = switch (o.mode()) {
            case NEW -> UUID.randomUUID();
            case SAME -> source;
            case REPLACE -> o.tenantId();
        };
        // REPLACE scopes the transaction as a request does (tenant_scope, V21): the tenant's placement as search_path,
        // so the rows go where the tenant lives (the shared tables or its own schema), and its lock in share mode, so
        // no move runs while they are replaced. A new tenant is shared (V21), so NEW and SAME need only the tenant id.
        try (PreparedStatement st = c.prepareStatement(o.mode() == Mode.REPLACE
                ? "select tenant_scope(?::uuid), set_config('intervalstyle', 'iso_8601', true)"
                : "select set_config('app.tenant_id', ?, true), set_config('intervalstyle', 'iso_8601', true)")) {
            st.setString(1, target.toString());
            st.execute();
        }
        boolean exists = TenantExports.exists(c, target);
        if (o.mode() == Mode.REPLACE && !exists) {
            throw ProblemException.notFound("No tenant " + target);
        }
        if (o.mode() != Mode.REPLACE && exists) {
            throw ProblemException.conflict("Tenant " + target + " already exists here: import it as a new tenant (as=new)");
        }
        String slug = switch (o.mode()) {
            case NEW -> o.slug() != null ? o.slug() : suffixed(header.path("slug").asText(), target);
            case SAME -> o.slug() != null ? o.slug() : header.path("slug").asText();
            case REPLACE -> null;
        };
        if (o.mode() == Mode.REPLACE) {
            wipe(c, schema, target, o.keepUnlogged());
        }
        Map<String, Long> rows = new LinkedHashMap<>();
        Map<Long, Long> objects = new HashMap<>();
        long loBytes = 0;
        boolean tenantRow = o.mode() == Mode.REPLACE;
        TenantArchive.Member m;
        while ((m = tar.next()) != null && !TenantExporter.MANIFEST.equals(m.name())) {
            if (seen.containsKey(m.name())) {
                throw TenantArchive.bad("member " + m.name() + " appears twice");
            }
            MessageDigest sha = TenantExporter.sha256();
            DigestInputStream content = new DigestInputStream(m.content(), sha);
            if (m.name().startsWith("tables/") && m.name().endsWith(".ndjson")) {
                String name = m.name().substring("tables/".length(), m.name().length() - ".ndjson".length());
                TenantTables.Table t = schema.table(name);
                if (t == null) {
                    throw ProblemException.unprocessable("The archive holds table " + name + ", which this database has no tenant table for");
                }
                boolean load = t.importable() && !(o.keepUnlogged() && t.unlogged())
                        && !(o.mode() == Mode.REPLACE && t.name().equals(TenantTables.TENANTS));
                long n = rows(c, t, content, load, target, slug, objects, m.name());
                if (t.name().equals(TenantTables.TENANTS)) {
                    if (n != 1) {
                        throw ProblemException.unprocessable("The archive's tenants member holds " + n + " rows, not 1");
                    }
                    tenantRow = true;
                }
                rows.put(name, n);
            } else if (m.name().startsWith("large-objects/")) {
                long oid = parseOid(m.name());
                if (!tenantRow) {
                    throw ProblemException.unprocessable("The archive's large objects come before its tenant");
                }
                objects.put(oid, largeObject(c, target, content));
                loBytes += m.size();
            } else {
                throw TenantArchive.bad("unexpected member " + m.name());
            }
            drain(content);
            seen.put(m.name(), new Seen(HexFormat.of().formatHex(sha.digest()), m.size()));
        }
        if (m == null) {
            throw TenantArchive.truncated("its members: there is no " + TenantExporter.MANIFEST);
        }
        JsonNode manifest = json(readSmall(m.content(), 256 << 20, m.name()), m.name());
        if (tar.next() != null) {
            throw TenantArchive.bad("members follow " + TenantExporter.MANIFEST);
        }
        verify(manifest, header, seen, rows);
        String apiKey = null;
        if (o.mode() != Mode.REPLACE) {
            ApiKeys.Minted key = ApiKeys.mint(target);
            try (PreparedStatement st = c.prepareStatement(
                    "insert into api_keys (tenant_id, name, prefix, hash, scopes) values (?, 'imported', ?, ?, ?)")) {
                st.setObject(1, target);
                st.setString(2, key.prefix());
                st.setBytes(3, key.hash());
                st.setArray(4, c.createArrayOf("text", ApiKeys.ALL_SCOPES.toArray()));
                st.execute();
            }
            apiKey = key.secret();
        }
        return new Result(target, slug, source, version, rows, objects.size(), loBytes, apiKey);
    }

    private static void checkFormat(JsonNode header, String member) {
        if (!TenantExporter.FORMAT.equals(header.path("format").asText())) {
            throw ProblemException.unprocessable(member + " does not describe a onebase tenant export");
        }
        if (header.path("formatVersion").asInt() != TenantExporter.FORMAT_VERSION) {
            throw ProblemException.unprocessable("Archive format version " + header.path("formatVersion").asText()
                    + " is not " + TenantExporter.FORMAT_VERSION);
        }
    }

    private static void verify(JsonNode manifest, JsonNode header, Map<String, Seen> seen, Map<String, Long> rows) {
        checkFormat(manifest, TenantExporter.MANIFEST);
        if (!header.path("schemaVersion").equals(manifest.path("schemaVersion"))
                || !header.path("tenantId").equals(manifest.path("tenantId"))) {
            throw ProblemException.unprocessable("The manifest and " + TenantExporter.HEADER + " disagree on the schema version or tenant");
        }
        JsonNode members = manifest.path("members");
        Set<String> listed = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = members.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            listed.add(e.getKey());
            Seen s = seen.get(e.getKey());
            if (s == null) {
                throw ProblemException.unprocessable("The manifest lists " + e.getKey() + ", which the archive does not hold");
            }
            if (!s.sha256().equals(e.getValue().path("sha256").asText()) || s.bytes() != e.getValue().path("bytes").asLong(-1)) {
                throw ProblemException.unprocessable("Member " + e.getKey() + " does not match its SHA-256 or size in the manifest");
            }
        }
        if (!listed.equals(seen.keySet())) {
            Set<String> extra = new LinkedHashSet<>(seen.keySet());
            extra.removeAll(listed);
            throw ProblemException.unprocessable("The manifest does not list " + extra);
        }
        Map<String, Long> counted = new LinkedHashMap<>();
        for (JsonNode t : manifest.path("tables")) {
            if (t.has("rows")) {
                counted.put(t.path("table").asText(), t.path("rows").asLong());
            }
        }
        if (!counted.equals(rows)) {
            throw ProblemException.unprocessable("Row counts differ from the manifest: manifest " + counted + ", archive " + rows);
        }
    }

    /** Reads one NDJSON member; with {@code load}, inserts its rows as the target tenant's in batches. */
    private static long rows(Connection c, TenantTables.Table t, InputStream content, boolean load, UUID target, String slug,
            Map<Long, Long> objects, String member) throws IOException, SQLException {
        List<TenantTables.Column> cols = t.exported().stream().filter(col -> !col.identity()).toList();
        Set<String> known = t.exported().stream().map(TenantTables.Column::name).collect(Collectors.toSet());
        String list = cols.stream().map(col -> TenantExporter.q(col.name())).collect(Collectors.joining(", "));
        String sql = "insert into " + TenantExporter.q(t.name()) + " (" + list + ") select " + list
                + " from jsonb_populate_recordset(null::" + TenantExporter.q(t.name()) + ", convert_from(?, 'UTF8')::jsonb)";
        BufferedReader lines = new BufferedReader(new InputStreamReader(content, StandardCharsets.UTF_8), 1 << 16);
        long n = 0;
        ArrayNode batch = JSON.createArrayNode();
        long batchBytes = 0;
        String line;
        try (PreparedStatement insert = load ? c.prepareStatement(sql) : null) {
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                n++;
                if (!load) {
                    continue;
                }
                JsonNode row = json(line, member + " line " + n);
                if (!(row instanceof ObjectNode obj)) {
                    throw ProblemException.unprocessable(member + " line " + n + " is not a JSON object");
                }
                for (Iterator<String> it = obj.fieldNames(); it.hasNext();) {
                    String f = it.next();
                    if (!known.contains(f)) {
                        throw ProblemException.unprocessable(member + " line " + n + " has column " + f + ", which "
                                + t.name() + " has not here");
                    }
                }
                obj.put(t.tenantColumn(), target.toString());
                if (t.name().equals(TenantTables.TENANTS) && slug != null) {
                    obj.put("slug", slug);
                }
                for (String lo : t.largeObjectColumns()) {
                    JsonNode v = obj.get(lo);
                    if (v != null && !v.isNull()) {
                        Long mapped = objects.get(v.asLong());
                        if (mapped == null) {
                            throw ProblemException.unprocessable(member + " line " + n + " refers to large object " + v.asText()
                                    + ", which the archive does not hold");
                        }
                        obj.put(lo, mapped);
                    }
                }
                batch.add(obj);
                batchBytes += line.length();
                if (batch.size() >= BATCH_ROWS || batchBytes >= BATCH_BYTES) {
                    flush(insert, batch);
                    batch = JSON.createArrayNode();
                    batchBytes = 0;
                }
            }
            if (load && !batch.isEmpty()) {
                flush(insert, batch);
            }
        }
        return n;
    }

    /** The batch as UTF-8 bytes (a bytea parameter, sent as is): no String of it, nor the driver's encoding of one. */
    private static void flush(PreparedStatement insert, ArrayNode batch) throws SQLException, JsonProcessingException {
        insert.setBytes(1, JSON.writeValueAsBytes(batch));
        insert.execute();
    }

    private static long largeObject(Connection c, UUID target, InputStream content) throws IOException, SQLException {
        long oid;
        try (PreparedStatement st = c.prepareStatement("select file_lo_create(?)")) {
            st.setObject(1, target);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                oid = rs.getLong(1);
            }
        }
        try (PreparedStatement put = c.prepareStatement("select file_lo_put(?, ?, ?, ?)")) {
            long offset = 0;
            byte[] chunk;
            while ((chunk = content.readNBytes(TenantExporter.CHUNK)).length > 0) {
                put.setObject(1, target);
                put.setLong(2, oid);
                put.setLong(3, offset);
                put.setBytes(4, chunk);
                put.execute();
                offset += chunk.length;
            }
        }
        return oid;
    }

    /** REPLACE: the tenant's data goes (children first, large objects unlinked), but not its row nor its credentials. */
    private static void wipe(Connection c, TenantTables schema, UUID target, boolean keepUnlogged) throws SQLException {
        List<TenantTables.Table> replaced = new ArrayList<>();
        for (TenantTables.Table t : schema.tables()) {
            if (!t.name().equals(TenantTables.TENANTS) && t.importable() && !(keepUnlogged && t.unlogged())) {
                replaced.add(0, t);
            }
        }
        Set<Long> oids = new LinkedHashSet<>();
        for (TenantTables.Table t : replaced) {
            for (String col : t.largeObjectColumns()) {
                try (PreparedStatement st = c.prepareStatement("select distinct " + TenantExporter.q(col) + " from "
                        + TenantExporter.q(t.name()) + " where tenant_id = ? and " + TenantExporter.q(col) + " is not null")) {
                    st.setObject(1, target);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            oids.add(rs.getLong(1));
                        }
                    }
                }
            }
        }
        try (PreparedStatement st = c.prepareStatement("select file_lo_unlink(?)")) {
            for (long oid : oids) {
                st.setLong(1, oid);
                st.execute();
            }
        }
        for (TenantTables.Table t : replaced) {
            try (PreparedStatement st = c.prepareStatement("delete from " + TenantExporter.q(t.name()) + " where tenant_id = ?")) {
                st.setObject(1, target);
                st.execute();
            }
        }
    }

    /** What a database error during an import means for the caller. */
    public static RuntimeException explain(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("23505")) {
            return ProblemException.conflict("The import collides with existing data: " + e.getMessage());
        }
        if (state.startsWith("23") || state.startsWith("22") || state.equals("42501")) {
            return ProblemException.unprocessable("The archive's data does not fit this database: " + e.getMessage());
        }
        return new IllegalStateException("import failed: " + e.getMessage(), e);
    }

    private static String suffixed(String slug, UUID target) {
        String suffix = "-" + target.toString().substring(0, 8);
        return (slug.length() + suffix.length() > 63 ? slug.substring(0, 63 - suffix.length()) : slug) + suffix;
    }

    private static long parseOid(String member) {
        try {
            return Long.parseLong(member.substring("large-objects/".length()));
        } catch (NumberFormatException e) {
            throw TenantArchive.bad("unexpected member " + member);
        }
    }

    private static UUID uuid(String s, String what) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw ProblemException.unprocessable("The archive's " + what + " is not a UUID");
        }
    }

    private static byte[] readSmall(InputStream in, int limit, String member) throws IOException {
        byte[] b = in.readNBytes(limit + 1);
        if (b.length > limit) {
            throw ProblemException.unprocessable(member + " is larger than " + limit + " bytes");
        }
        return b;
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(java.io.OutputStream.nullOutputStream());
    }

    private static JsonNode json(String s, String where) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw TenantArchive.bad(where + " is not JSON");
        }
    }

    private static JsonNode json(byte[] b, String where) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw TenantArchive.bad(where + " is not JSON");
        }
    }
}
