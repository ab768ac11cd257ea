package dev.onebase.tenant;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Tenant export and import through HTTP: a whole tenant round-trips; bad archives are refused with nothing written. */
@QuarkusTest
class TenantExportTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Fills a tenant with a bit of everything: cache keys, sessions, flags with history, files (inline, large, versions). */
    static Map<String, Object> fill(Tenant t) {
        Map<String, Object> made = new LinkedHashMap<>();
        as(t).contentType("text/plain").body("v1").put("/api/v1/cache/alpha").then().statusCode(204);
        as(t).contentType("application/octet-stream").body(new byte[] { 0, 1, 2, (byte) 255 }).put("/api/v1/cache/bin?ex=3600")
                .then().statusCode(204);
        String token = as(t).contentType(ContentType.JSON).body("{\"userId\":\"u-1\",\"data\":{\"cart\":[1,2]}}")
                .post("/api/v1/sessions").then().statusCode(201).extract().path("token");
        made.put("session", token);
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\"}")
                .put("/api/v1/flags/beta").then().statusCode(201);
        as(t).contentType(ContentType.JSON).body("{\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"on\"}")
                .put("/api/v1/flags/beta").then().statusCode(200);
        as(t).contentType("text/plain").body("small one").put("/api/v1/files/docs/small.txt").then().statusCode(201);
        as(t).contentType("text/plain").body("small two").put("/api/v1/files/docs/small.txt").then().statusCode(200);
        byte[] big = new byte[(1 << 20) + 300_000];
        new Random(7).nextBytes(big);
        as(t).contentType("application/octet-stream").body(big).put("/api/v1/files/docs/big.bin").then().statusCode(201);
        big[5] ^= 1;
        as(t).contentType("application/octet-stream").body(big).put("/api/v1/files/docs/big.bin").then().statusCode(200);
        return made;
    }

    /** What a tenant holds, as its API shows it (ids that a database assigns are left out). */
    static Map<String, Object> state(Tenant t, String sessionToken) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("cache.alpha", as(t).get("/api/v1/cache/alpha").then().statusCode(200).extract().asString());
        s.put("cache.bin", HexFormat.of().formatHex(as(t).get("/api/v1/cache/bin").then().statusCode(200).extract().asByteArray()));
        JsonNode session = json(as(t).header("X-Session-Token", sessionToken).get("/api/v1/sessions/current").then().statusCode(200).extract().asString());
        s.put("session", strip(session, "lastSeenAt", "expiresAt"));
        s.put("flags", json(as(t).get("/api/v1/flags").then().statusCode(200).extract().asString()));
        JsonNode history = json(as(t).get("/api/v1/flags/beta/history").then().statusCode(200).extract().asString());
        // the key that made a change is not in the copy (API keys are left out of archives): its prefix is not compared
        s.put("history", strip(history, "id", "keyId", "keyPrefix"));
        JsonNode list = json(as(t).get("/api/v1/files?folder=docs").then().statusCode(200).extract().asString());
        s.put("files", list);
        assertTrue(list.path("items").size() > 0, list.toString());
        for (JsonNode f : list.path("items")) {
            String id = f.path("id").asText();
            s.put("content " + f.path("path").asText(), sha(as(t).get("/api/v1/files/" + id + "/content").then().statusCode(200).extract().asByteArray()));
            JsonNode versions = json(as(t).get("/api/v1/files/" + id + "/versions").then().statusCode(200).extract().asString());
            s.put("versions " + f.path("path").asText(), versions);
            for (JsonNode v : versions.path("versions")) {
                s.put("version " + f.path("path").asText() + " " + v.path("version").asText(), sha(as(t)
                        .get("/api/v1/files/" + id + "/versions/" + v.path("version").asText() + "/content").then().statusCode(200)
                        .extract().asByteArray()));
            }
        }
        return s;
    }

    /** A tenant table's large-object column left unmarked would travel as a bare OID, its content lost on import. */
    @Test
    void everyLargeObjectColumnOfATenantTableIsMarkedForTheExport() {
        long unmarked = Db.count("""
                select count(*) from information_schema.columns c
                 where c.table_schema = 'public' and c.column_name like '%lo_oid%'
                   and exists (select 1 from information_schema.columns t
                                where t.table_schema = 'public' and t.table_name = c.table_name and t.column_name = 'tenant_id')
                   and coalesce(obj_description(('public.' || c.table_name)::regclass, 'pg_class'), '') not like 'onebase:derived%'
                   and coalesce(col_description(('public.' || c.table_name)::regclass, c.ordinal_position::int), '')
                       not like 'onebase:large-object%'
                """);
        assertEquals(0, unmarked, "tenant tables with an unmarked large-object column");
    }

    @Test
    void aTenantRoundTripsThroughExportAndImportAsANewTenant() throws Exception {
        Tenant a = TestApi.signup();
        Map<String, Object> made = fill(a);
        Map<String, Object> before = state(a, (String) made.get("session"));

        byte[] archive = as(a).get("/api/v1/tenant/export").then().statusCode(200).contentType("application/x-tar")
                .extract().asByteArray();
        Map<String, byte[]> members = members(archive);
        JsonNode manifest = JSON.readTree(members.get("manifest.json"));
        assertEquals(schemaVersion(), manifest.path("schemaVersion").asText());
        assertEquals(a.id().toString(), manifest.path("tenantId").asText());
        // every member's checksum and size are in the manifest
        for (Map.Entry<String, byte[]> m : members.entrySet()) {
            if (!m.getKey().equals("manifest.json")) {
                assertEquals(sha(m.getValue()), manifest.path("members").path(m.getKey()).path("sha256").asText(), m.getKey());
            }
        }
        assertEquals(members.size() - 1, manifest.path("members").size());
        // three large objects: the big file and its previous version... and no secret in the keys table
        assertEquals(2, manifest.path("largeObjects").size(), manifest.toPrettyString());
        String keys = new String(members.get("tables/api_keys.ndjson"), StandardCharsets.UTF_8);
        assertEquals(1, keys.lines().count());
        assertFalse(keys.contains("\"hash\""), keys);
        assertEquals(2, rows(manifest, "cache_entries"));
        assertEquals(1, rows(manifest, "sessions"));
        assertEquals(2, rows(manifest, "feature_flag_history"));

        String admin = asAdmin().get("/admin/tenants/" + a.id() + "/export").then().statusCode(200).extract().asString();
        assertTrue(admin.length() > 1 << 20);

        Response imported = asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import?slug=" + a.slug() + "-copy");
        imported.then().statusCode(201);
        UUID copyId = UUID.fromString(imported.path("tenantId"));
        assertNotEquals(a.id(), copyId);
        Tenant copy = new Tenant(copyId, a.slug() + "-copy", imported.path("apiKey"));
        assertEquals(before, state(copy, (String) made.get("session")), "the copy holds what the original held");
        // and the original is untouched, and the two do not share large objects
        assertEquals(before, state(a, (String) made.get("session")));
        assertEquals(0L, Db.count("select count(*) from (select lo_oid from file_large_objects where tenant_id = ?::uuid "
                + "intersect select lo_oid from file_large_objects where tenant_id = ?::uuid) x", a.id().toString(), copyId.toString()));
        // the copy is a working tenant: it writes, and the new large objects are its own
        as(copy).contentType("text/plain").body("v2").put("/api/v1/cache/alpha").then().statusCode(204);
        assertEquals("v1", as(a).get("/api/v1/cache/alpha").then().statusCode(200).extract().asString());
        assertEquals(2L, ((Number) Db.value("select entries from cache_usage where tenant_id = ?::uuid", copyId.toString())).longValue(),
                "the entry count is rebuilt by the cache's own triggers");
    }

    @Test
    void exportNeedsTheManageScopeAndAnExistingTenant() {
        Tenant a = TestApi.signup();
        String readOnly = as(a).contentType(ContentType.JSON).body("{\"name\":\"ro\",\"scopes\":[\"read\"]}").post("/api/v1/keys")
                .then().statusCode(201).extract().path("secret");
        problem(io.restassured.RestAssured.given().header("Authorization", "Bearer " + readOnly).get("/api/v1/tenant/export").then(), 403);
        problem(asAdmin().get("/admin/tenants/" + UUID.randomUUID() + "/export").then(), 404);
        problem(asAdmin().get("/admin/tenants/not-a-uuid/export").then(), 400);
    }

    @Test
    void aNewFeaturesTableTravelsWithoutBeingListedAnywhere() throws Exception {
        Tenant a = TestApi.signup();
        try (Connection owner = Db.owner()) {
            Db.exec(owner, "create table export_probe (tenant_id uuid not null references tenants (id) on delete cascade, "
                    + "n int not null, note text, primary key (tenant_id, n))");
            Db.exec(owner, "alter table export_probe enable row level security");
            Db.exec(owner, "alter table export_probe force row level security");
            Db.exec(owner, "create policy tenant_isolation on export_probe using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))");
        }
        try {
            try (Connection owner = Db.owner()) {
                owner.setAutoCommit(false);
                Db.exec(owner, "select set_config('app.tenant_id', ?, true)", a.id().toString());
                Db.exec(owner, "insert into export_probe values (?::uuid, 1, 'one'), (?::uuid, 2, 'two')", a.id().toString(), a.id().toString());
                owner.commit();
            }
            byte[] archive = as(a).get("/api/v1/tenant/export").then().statusCode(200).extract().asByteArray();
            Map<String, byte[]> members = members(archive);
            assertEquals(2, new String(members.get("tables/export_probe.ndjson"), StandardCharsets.UTF_8).lines().count());
            UUID copy = UUID.fromString(asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import")
                    .then().statusCode(201).extract().path("tenantId"));
            assertEquals(2L, Db.count("select count(*) from export_probe where tenant_id = ?::uuid", copy.toString()));
            // every tenant table of the schema is in the archive, or marked derived in the manifest
            JsonNode manifest = JSON.readTree(members.get("manifest.json"));
            Set<String> listed = new TreeSet<>();
            manifest.path("tables").forEach(t -> listed.add(t.path("table").asText()));
            Set<String> all = new TreeSet<>();
            try (Connection su = Db.superuser(); var rs = su.createStatement().executeQuery(
                    "select distinct c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' "
                            + "where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')")) {
                while (rs.next()) {
                    all.add(rs.getString(1));
                }
            }
            all.add("tenants");
            assertEquals(all, listed);
        } finally {
            try (Connection owner = Db.owner()) {
                Db.exec(owner, "drop table export_probe");
            }
        }
    }

    @Test
    void badArchivesAreRefusedWithNothingWritten() throws Exception {
        Tenant a = TestApi.signup();
        fill(a);
        byte[] archive = as(a).get("/api/v1/tenant/export").then().statusCode(200).extract().asByteArray();
        long tenants = Db.count("select count(*) from tenants");
        long objects = Db.count("select count(*) from pg_largeobject_metadata");

        // cut off in the middle of a large object, and just before the manifest
        byte[] cut = java.util.Arrays.copyOf(archive, archive.length / 2);
        problem(asAdmin().contentType("application/x-tar").body(cut).post("/admin/tenants/import").then(), 400);
        Map<String, byte[]> members = members(archive);
        byte[] noManifest = rebuild(members, m -> m, Set.of("manifest.json"));
        problem(asAdmin().contentType("application/x-tar").body(noManifest).post("/admin/tenants/import").then(), 400);
        // a member whose content changed: its checksum no longer matches
        byte[] tampered = rebuild(members, m -> {
            m.put("tables/cache_entries.ndjson", new String(m.get("tables/cache_entries.ndjson"), StandardCharsets.UTF_8)
                    .replace("alpha", "alphb").getBytes(StandardCharsets.UTF_8));
            return m;
        }, Set.of());
        String detail = asAdmin().contentType("application/x-tar").body(tampered).post("/admin/tenants/import").then()
                .statusCode(422).extract().path("detail");
        assertTrue(detail.contains("SHA-256"), detail);
        // a manifest whose checksum was changed
        byte[] badSum = rebuild(members, m -> {
            m.put("manifest.json", new String(m.get("manifest.json"), StandardCharsets.UTF_8)
                    .replace(sha(m.get("tables/sessions.ndjson")), "0".repeat(64)).getBytes(StandardCharsets.UTF_8));
            return m;
        }, Set.of());
        problem(asAdmin().contentType("application/x-tar").body(badSum).post("/admin/tenants/import").then(), 422);
        // written at another schema version
        byte[] otherVersion = rebuild(members, m -> {
            for (String name : List.of("onebase-export.json", "manifest.json")) {
                ObjectNode n = (ObjectNode) readJson(m.get(name));
                n.put("schemaVersion", "1");
                m.put(name, n.toString().getBytes(StandardCharsets.UTF_8));
            }
            return m;
        }, Set.of());
        detail = asAdmin().contentType("application/x-tar").body(otherVersion).post("/admin/tenants/import").then()
                .statusCode(422).extract().path("detail");
        assertTrue(detail.contains("schema version 1"), detail);
        // not an archive at all
        problem(asAdmin().contentType("application/x-tar").body("hello".getBytes()).post("/admin/tenants/import").then(), 400);
        // the same tenant id, which exists here
        problem(asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import?as=same").then(), 409);
        problem(asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import?as=other").then(), 400);
        // a slug that is taken
        problem(asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import?slug=" + a.slug()).then(), 409);

        assertEquals(tenants, Db.count("select count(*) from tenants"), "no tenant was written");
        assertEquals(objects, Db.count("select count(*) from pg_largeobject_metadata"), "no large object was left behind");
    }

    /** A file of 20 MiB (many 1 MiB steps of file_lo_get / file_lo_put, the last one partial) comes back byte for byte. */
    @Test
    void aTwentyMiBFileRoundTripsByteForByte() throws Exception {
        Tenant a = TestApi.signup();
        byte[] big = new byte[(20 << 20) + 12_345];
        new Random(11).nextBytes(big);
        String id = as(a).contentType("application/octet-stream").body(big).put("/api/v1/files/big/twenty.bin").then()
                .statusCode(201).extract().path("id");
        byte[] archive = asAdmin().get("/admin/tenants/" + a.id() + "/export").then().statusCode(200).extract().asByteArray();
        Map<String, byte[]> members = members(archive);
        List<String> objects = members.keySet().stream().filter(n -> n.startsWith("large-objects/")).toList();
        assertEquals(1, objects.size(), members.keySet().toString());
        assertEquals(sha(big), sha(members.get(objects.get(0))));
        JsonNode manifest = readJson(members.get("manifest.json"));
        assertEquals(sha(big), manifest.path("members").path(objects.get(0)).path("sha256").asText());
        assertEquals(big.length, manifest.path("members").path(objects.get(0)).path("bytes").asLong());

        Response imported = asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import");
        imported.then().statusCode(201);
        assertEquals((long) big.length, ((Number) imported.path("largeObjectBytes")).longValue());
        Tenant copy = new Tenant(UUID.fromString(imported.path("tenantId")), imported.path("slug"), imported.path("apiKey"));
        // the same file id in the copy (ids travel), its content through the copy's own key
        byte[] back = as(copy).get("/api/v1/files/" + id + "/content").then().statusCode(200).extract().asByteArray();
        assertEquals(big.length, back.length);
        assertEquals(sha(big), sha(back));
    }

    /** Cut off anywhere (in a header, a table, a large object, the manifest, the end marker): refused, nothing written. */
    @Test
    void anArchiveCutOffAnywhereIsRefusedWithNothingWritten() throws Exception {
        Tenant a = TestApi.signup();
        fill(a);
        byte[] archive = as(a).get("/api/v1/tenant/export").then().statusCode(200).extract().asByteArray();
        // where each member's header starts, from the archive itself
        List<long[]> spans = new ArrayList<>(); // {header offset, size}
        long at = 0;
        for (Map.Entry<String, byte[]> m : members(archive).entrySet()) {
            spans.add(new long[] { at, m.getValue().length });
            at += TenantArchive.BLOCK + (m.getValue().length + TenantArchive.BLOCK - 1) / TenantArchive.BLOCK * TenantArchive.BLOCK;
        }
        Set<Long> cuts = new TreeSet<>(List.of(0L, 1L, 100L, (long) TenantArchive.BLOCK, (long) archive.length - 1,
                (long) archive.length - TenantArchive.BLOCK, (long) archive.length - 2 * TenantArchive.BLOCK));
        for (long[] span : spans) {
            cuts.add(span[0]); // right before a member
            cuts.add(span[0] + 7); // inside its header
            cuts.add(span[0] + TenantArchive.BLOCK); // after its header
            cuts.add(span[0] + TenantArchive.BLOCK + span[1] / 2); // in its content
            cuts.add(span[0] + TenantArchive.BLOCK + span[1]); // after its content, before its padding
        }
        cuts.removeIf(c -> c >= archive.length);
        long tenants = Db.count("select count(*) from tenants");
        long objects = Db.count("select count(*) from pg_largeobject_metadata");
        for (long cut : cuts) {
            byte[] part = java.util.Arrays.copyOf(archive, (int) cut);
            int status = asAdmin().contentType("application/x-tar").body(part).post("/admin/tenants/import").then()
                    .contentType("application/problem+json").extract().statusCode();
            assertTrue(status == 400 || status == 422, "cut at " + cut + " of " + archive.length + ": " + status);
        }
        assertTrue(cuts.size() > 30, cuts.toString());
        assertEquals(tenants, Db.count("select count(*) from tenants"), "no tenant was written");
        assertEquals(objects, Db.count("select count(*) from pg_largeobject_metadata"), "no large object was left behind");
        // and the whole archive still imports
        asAdmin().contentType("application/x-tar").body(archive).post("/admin/tenants/import").then().statusCode(201);
    }

    static long rows(JsonNode manifest, String table) {
        for (JsonNode t : manifest.path("tables")) {
            if (t.path("table").asText().equals(table)) {
                return t.path("rows").asLong();
            }
        }
        throw new AssertionError("no table " + table + " in " + manifest);
    }

    static String schemaVersion() {
        return (String) Db.value("select version from flyway_schema_history where success and version is not null order by installed_rank desc limit 1");
    }

    static Map<String, byte[]> members(byte[] archive) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        TenantArchive.Reader r = new TenantArchive.Reader(new ByteArrayInputStream(archive));
        TenantArchive.Member m;
        while ((m = r.next()) != null) {
            out.put(m.name(), m.content().readAllBytes());
        }
        return out;
    }

    /** The archive again after {@code change}, without the members in {@code drop}. */
    static byte[] rebuild(Map<String, byte[]> members, UnaryOperator<Map<String, byte[]>> change, Set<String> drop) throws IOException {
        Map<String, byte[]> m = change.apply(new LinkedHashMap<>(members));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TenantArchive.Writer w = new TenantArchive.Writer(bytes);
        for (Map.Entry<String, byte[]> e : m.entrySet()) {
            if (!drop.contains(e.getKey())) {
                w.header(e.getKey(), e.getValue().length, 0);
                bytes.write(e.getValue());
                w.pad(e.getValue().length);
            }
        }
        w.finish();
        return bytes.toByteArray();
    }

    static JsonNode json(String s) {
        return readJson(s.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode readJson(byte[] b) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The JSON without the named fields, at any depth. */
    static JsonNode strip(JsonNode n, String... fields) {
        JsonNode copy = n.deepCopy();
        List<JsonNode> todo = new ArrayList<>(List.of(copy));
        while (!todo.isEmpty()) {
            JsonNode x = todo.remove(todo.size() - 1);
            if (x instanceof ObjectNode o) {
                o.remove(List.of(fields));
            }
            x.forEach(todo::add);
        }
        return copy;
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
