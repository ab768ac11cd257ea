package dev.onebase.file;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/** Size limits, quotas and interrupted uploads: whatever goes wrong, nothing is left behind. */
@QuarkusTest
class FileLimitsTest {

    static final int T = 1024 * 1024;

    /** A tenant on a plan of 2 MiB per file and 3 MiB in all. */
    static Tenant tinyTenant() {
        Db.exec("insert into plans (id, name, storage_bytes, max_file_bytes, cache_entries, requests_per_minute) "
                + "values ('tiny-files', 'Tiny files', ?, ?, 100, 6000) on conflict do nothing", 3L * T, 2L * T);
        Tenant t = TestApi.signup();
        asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"tiny-files\"}").put("/admin/tenants/" + t.id() + "/plan").then().statusCode(200);
        return t;
    }

    static long rows(Tenant t) {
        return Db.count("select count(*) from files where tenant_id = ?", t.id())
                + Db.count("select count(*) from file_versions where tenant_id = ?", t.id());
    }

    static HttpResponse<String> chunked(Tenant t, String path, byte[] body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/files/" + path))
                .header("Authorization", "Bearer " + t.key()).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void fileSizeLimitIsCheckedUpFrontAndWhileStreaming() throws Exception {
        Tenant t = tinyTenant();
        long objects = LargeObjects.ofTheService();
        as(t).contentType("application/octet-stream").body(new byte[2 * T + 1]).put("/api/v1/files/big.bin").then().statusCode(413)
                .contentType("application/problem+json").body("detail", containsString("per file"));
        HttpResponse<String> r = chunked(t, "big.bin", new byte[2 * T + 1]);
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("per file"), r.body());
        assertEquals(0, rows(t));
        assertEquals(objects, LargeObjects.ofTheService());
        // exactly the limit is fine
        as(t).contentType("application/octet-stream").body(new byte[2 * T]).put("/api/v1/files/max.bin").then().statusCode(201);
    }

    @Test
    void storageQuotaCountsVersionsAndLeavesNothingWhenExceeded() throws Exception {
        Tenant t = tinyTenant();
        as(t).contentType("application/octet-stream").body(new byte[2 * T]).put("/api/v1/files/a.bin").then().statusCode(201);
        long objects = LargeObjects.ofTheService();
        as(t).contentType("application/octet-stream").body(new byte[T + T / 2]).put("/api/v1/files/b.bin").then().statusCode(413)
                .contentType("application/problem+json").body("detail", containsString("quota"));
        HttpResponse<String> r = chunked(t, "b.bin", new byte[T + T / 2]);
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("quota"), r.body());
        // an overwrite keeps the old version, which still counts
        as(t).contentType("application/octet-stream").body(new byte[T + T / 2]).put("/api/v1/files/a.bin").then().statusCode(413);
        assertEquals(1, rows(t));
        assertEquals(objects, LargeObjects.ofTheService());
        as(t).contentType("application/octet-stream").body(new byte[T - 1]).put("/api/v1/files/c.bin").then().statusCode(201);
        as(t).get("/api/v1/files").then().body("items.name", equalTo(java.util.List.of("a.bin", "c.bin")));
    }

    @Test
    void interruptedUploadLeavesNothing() throws Exception {
        Tenant t = TestApi.signup();
        long objects = LargeObjects.ofTheService();
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            OutputStream out = s.getOutputStream();
            out.write(("PUT /api/v1/files/cut/short.bin HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + t.key()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + (10 * T) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] part = new byte[64 * 1024];
            for (int i = 0; i < 64; i++) {
                out.write(part);
            }
            out.flush();
            // the server has had 4 MiB: past the threshold, so a large object exists in the open transaction
            Eventually.until("the upload to reach the database", () -> Db.count(
                    "select count(*) from pg_stat_activity where usename = ? and query like '%lo_put%'", Db.appRole()) > 0);
        }
        Eventually.until("the upload's transaction to end", () -> Db.count(
                "select count(*) from pg_stat_activity where usename = ? and state like 'idle in transaction%'", Db.appRole()) == 0
                && Db.count("select count(*) from pg_stat_activity where usename = ? and state = 'active' and query like '%lo_put%'",
                        Db.appRole()) == 0);
        assertEquals(0, rows(t));
        assertEquals(objects, LargeObjects.ofTheService());
        // and the connection went back to the pool: the service still works
        as(t).contentType("application/octet-stream").body(new byte[3 * T]).put("/api/v1/files/cut/short.bin").then().statusCode(201);
    }
}
