package dev.onebase.file;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;

import javax.imageio.ImageIO;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.EmbeddedDatabaseResource;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Thumbnails, the purge and orphan jobs, tenant purges, and what the request role can and cannot do. */
@QuarkusTest
class FileMaintenanceTest {

    static final int T = 1024 * 1024;

    @Inject
    OrphanObjectsJob orphans;

    @Inject
    FilePurgeJob purgeJob;

    static final JobContext CONTEXT = new JobContext() {
        @Override
        public long runId() {
            return 1;
        }

        @Override
        public String replica() {
            return "test";
        }

        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public void progress(long done, long total) {
        }
    };

    static byte[] image(int w, int h, String format) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLUE);
        g.fillOval(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    static String put(Tenant t, String path, String type, byte[] body, int status) {
        return as(t).contentType(type).body(body).put("/api/v1/files/" + path).then().statusCode(status).extract().path("id");
    }

    @Test
    void thumbnailsAreMadeOnceAndKept() throws Exception {
        Tenant t = TestApi.signup();
        for (String format : new String[] { "png", "jpeg" }) {
            String id = put(t, "pics/photo." + format, "image/" + format, image(400, 300, format), 201);
            String url = "/api/v1/files/" + id + "/content";
            Response r = as(t).queryParam("w", 100).queryParam("h", 100).get(url);
            r.then().statusCode(200).contentType("image/" + format).header("X-Content-Type-Options", "nosniff");
            BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(r.asByteArray()));
            assertEquals(100, thumb.getWidth());
            assertEquals(75, thumb.getHeight());
            String etag = r.header("ETag");
            Response again = as(t).queryParam("w", 100).queryParam("h", 100).get(url);
            assertEquals(etag, again.header("ETag"));
            assertArrayEquals(r.asByteArray(), again.asByteArray());
            as(t).queryParam("w", 100).queryParam("h", 100).header("If-None-Match", etag).get(url).then().statusCode(304);
            assertEquals(1, Db.count("select count(*) from file_derivatives where file_id = ?::uuid", id));
            // only a width: the height follows
            BufferedImage narrow = ImageIO.read(new ByteArrayInputStream(as(t).queryParam("w", 40).get(url).then().statusCode(200).extract().asByteArray()));
            assertEquals(40, narrow.getWidth());
            assertEquals(30, narrow.getHeight());
        }
        String png = put(t, "pics/big.png", "image/png", image(2400, 1200, "png"), 201);
        // bigger than the source is not upscaled
        BufferedImage same = ImageIO.read(new ByteArrayInputStream(as(t).queryParam("w", 1000).queryParam("h", 1000)
                .get("/api/v1/files/" + png + "/content").then().statusCode(200).extract().asByteArray()));
        assertEquals(1000, same.getWidth());
        assertEquals(500, same.getHeight());
        as(t).queryParam("w", 0).get("/api/v1/files/" + png + "/content").then().statusCode(400).contentType("application/problem+json");
        as(t).queryParam("w", 5000).get("/api/v1/files/" + png + "/content").then().statusCode(400).body("detail", containsString("1024"));
        as(t).queryParam("w", "abc").get("/api/v1/files/" + png + "/content").then().statusCode(400);

        // a PNG signature followed by garbage is stored as a PNG, but is not a valid image
        byte[] broken = new byte[5000];
        new Random(1).nextBytes(broken);
        System.arraycopy(new byte[] { (byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a }, 0, broken, 0, 8);
        String bad = put(t, "pics/broken.png", "image/png", broken, 201);
        as(t).queryParam("w", 10).get("/api/v1/files/" + bad + "/content").then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("not a valid"));
        String text = put(t, "notes.txt", "text/plain", "hello".getBytes(), 201);
        as(t).queryParam("w", 10).get("/api/v1/files/" + text + "/content").then().statusCode(422).contentType("application/problem+json");
        // an undeclared image is recognised by its first bytes
        as(t).contentType("application/octet-stream").body(image(10, 10, "png")).put("/api/v1/files/pics/untyped").then().statusCode(201)
                .body("contentType", org.hamcrest.Matchers.equalTo("image/png"));
    }

    @Test
    void purgeJobRemovesFilesPastRetentionWithTheirObjects() {
        Tenant t = TestApi.signup();
        byte[] data = new byte[2 * T];
        String old = put(t, "old.bin", "application/octet-stream", data, 201);
        String recent = put(t, "recent.bin", "application/octet-stream", data, 201);
        long oldOid = Db.count("select lo_oid from files where id = ?::uuid", old);
        as(t).delete("/api/v1/files/" + old).then().statusCode(200);
        as(t).delete("/api/v1/files/" + recent).then().statusCode(200);
        Db.update("update files set deleted_at = now() - interval '31 days' where id = ?::uuid", old);
        JobResult result = purgeJob.run(CONTEXT).await().atMost(Duration.ofSeconds(60));
        assertTrue(result.rowsAffected() >= 1);
        assertEquals(0, Db.count("select count(*) from files where id = ?::uuid", old));
        assertFalse(LargeObjects.exists(oldOid));
        as(t).post("/api/v1/files/" + recent + "/restore").then().statusCode(200);
    }

    @Test
    void orphanJobUnlinksOnlyUnreferencedObjectsOfTheRequestRole() throws Exception {
        Tenant t = TestApi.signup();
        byte[] data = new byte[2 * T + 3];
        new Random(3).nextBytes(data);
        String live = put(t, "kept.bin", "application/octet-stream", data, 201);
        long orphan;
        try (Connection c = Db.app(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select lo_from_bytea(0, 'lost')::int8")) {
            rs.next();
            orphan = rs.getLong(1);
        }
        long foreign = Db.count("select lo_from_bytea(0, 'not ours')::int8");
        // since V9 the service's objects belong to the admin role: an unreferenced one of those is an orphan too
        long adminOrphan = Db.count("select lo_from_bytea(0, 'lost too')::int8");
        Db.exec("alter large object " + adminOrphan + " owner to onebase_admin");
        JobResult result = orphans.run(CONTEXT).await().atMost(Duration.ofSeconds(60));
        assertTrue(result.rowsAffected() >= 2);
        assertFalse(LargeObjects.exists(orphan));
        assertFalse(LargeObjects.exists(adminOrphan));
        assertTrue(LargeObjects.exists(foreign), "objects of other owners are left alone");
        assertArrayEquals(data, as(t).get("/api/v1/files/" + live + "/content").then().statusCode(200).extract().asByteArray());
        Db.exec("select lo_unlink(?::oid)", foreign);
    }

    @Test
    void tenantPurgeUnlinksTheTenantsObjects() {
        Tenant t = TestApi.signup();
        String id = put(t, "a.bin", "application/octet-stream", new byte[2 * T], 201);
        put(t, "a.bin", "application/octet-stream", new byte[2 * T + 1], 200);
        long current = Db.count("select lo_oid from files where id = ?::uuid", id);
        long previous = Db.count("select lo_oid from file_versions where file_id = ?::uuid", id);
        asAdmin().delete("/admin/tenants/" + t.id()).then().statusCode(200);
        asAdmin().post("/admin/tenants/" + t.id() + "/purge?force=true").then().statusCode(204);
        assertFalse(LargeObjects.exists(current));
        assertFalse(LargeObjects.exists(previous));
        assertEquals(0, Db.count("select count(*) from files where tenant_id = ?", t.id()));
    }

    @Test
    void requestRoleSeesNoFilesWithoutATenantAndCannotTouchForeignObjects() throws Exception {
        Tenant t = TestApi.signup();
        put(t, "x.bin", "application/octet-stream", new byte[10], 201);
        long foreign = Db.count("select lo_from_bytea(0, 'superuser')::int8");
        try (Connection c = Db.app(); Statement st = c.createStatement()) {
            for (String table : new String[] { "files", "file_versions", "file_derivatives" }) {
                try (ResultSet rs = st.executeQuery("select count(*) from " + table)) {
                    rs.next();
                    assertEquals(0, rs.getLong(1), table);
                }
            }
            SQLException denied = assertThrows(SQLException.class, () -> st.executeQuery("select lo_unlink(" + foreign + ")"));
            assertNotNull(denied.getSQLState());
            assertEquals("42501", denied.getSQLState());
        } finally {
            Db.exec("select lo_unlink(?::oid)", foreign);
        }
        assertEquals(1, Db.count("select count(*) from files where tenant_id = ?", t.id()));
        assertTrue(EmbeddedDatabaseResource.properties() != null);
    }
}
