package dev.onebase.web;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Every ordinary answer keeps the client's connection: a cache miss, an unknown key, any problem. Only a request
 * whose body was not read and cannot be drained closes it. One raw socket, so a connection the server closed cannot
 * hide behind a client that quietly opens another.
 */
@QuarkusTest
class KeepAliveTest {

    private record Answer(int status, Map<String, String> headers, String body) {
    }

    @Test
    void aThousandMixedAnswersShareOneConnection() throws IOException {
        Tenant t = TestApi.signup();
        as(t).body("hit").put("/api/v1/cache/present").then().statusCode(204);
        String writeOnly = as(t).contentType("application/json").body("{\"name\":\"w\",\"scopes\":[\"write\"]}").post("/api/v1/keys")
                .then().statusCode(201).extract().path("secret");
        String unknown = "ob_" + t.id().toString().replace("-", "") + "_" + "A".repeat(43);
        String key = t.key();
        record Ask(String request, int status) {
        }
        List<Ask> mix = List.of(
                new Ask(get("/api/v1/cache/present", key), 200),
                new Ask(get("/api/v1/cache/absent", key), 404),
                new Ask(get("/api/v1/cache/present", unknown), 401),
                new Ask(get("/api/v1/cache/present", null), 401),
                new Ask(get("/api/v1/cache/present", "ob_malformed"), 401),
                new Ask(get("/api/v1/cache/present", writeOnly), 403),
                new Ask(get("/api/v1/cache/_batch", key), 400),
                new Ask(request("HEAD", "/api/v1/cache/present", key, null), 200),
                new Ask(request("HEAD", "/api/v1/cache/absent", key), 404),
                // the JAX-RS side: a write, its miss, its 401
                new Ask(request("PUT", "/api/v1/cache/written", key, "value"), 204),
                new Ask(request("DELETE", "/api/v1/cache/never-there", key), 404),
                new Ask(get("/api/v1/tenant", unknown), 401),
                // a router route refusing a small body it never read: the body is drained, the connection kept
                new Ask(request("PUT", "/api/v1/files/a.txt", unknown, "some bytes"), 401),
                new Ask("PUT /api/v1/files/b.txt HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + unknown
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 401));
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 1000; i++) {
                Ask ask = mix.get(i % mix.size());
                out.write(ask.request().getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Answer a = read(in, ask.request().startsWith("HEAD"));
                assertNotNull(a, "request " + i + " (" + firstLine(ask.request()) + "): the server closed the connection");
                assertEquals(ask.status(), a.status(), "request " + i + " (" + firstLine(ask.request()) + "): " + a.body());
                assertNull(a.headers().get("connection"), "request " + i + " (" + firstLine(ask.request()) + ") answered "
                        + a.status() + " with Connection: " + a.headers().get("connection"));
            }
        }
    }

    @Test
    void aBodyTooLargeToDrainStillClosesTheConnection() throws IOException {
        Tenant t = TestApi.signup();
        String unknown = "ob_" + t.id().toString().replace("-", "") + "_" + "A".repeat(43);
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /api/v1/files/big.bin HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + unknown
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + (1L << 30) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Answer a = read(socket.getInputStream(), false);
            assertNotNull(a);
            assertEquals(401, a.status());
            assertEquals("close", a.headers().get("connection"));
            assertEquals(-1, socket.getInputStream().read(), "the connection is closed after the answer");
        }
    }

    private static String get(String path, String key) {
        return request("GET", path, key, null);
    }

    private static String request(String method, String path, String key) {
        return request(method, path, key, null);
    }

    private static String request(String method, String path, String key, String body) {
        StringBuilder r = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        if (key != null) {
            r.append("Authorization: Bearer ").append(key).append("\r\n");
        }
        if (body != null) {
            r.append("Content-Type: application/octet-stream\r\nContent-Length: ").append(body.length()).append("\r\n\r\n").append(body);
        } else {
            r.append("\r\n");
        }
        return r.toString();
    }

    private static String firstLine(String request) {
        return request.substring(0, request.indexOf('\r'));
    }

    /** One HTTP/1.1 answer (Content-Length or chunked body), or null when the server closed the connection first. */
    private static Answer read(InputStream in, boolean head) throws IOException {
        String status = line(in);
        if (status == null) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (!head && code != 204 && code != 304) {
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
            } else {
                String length = headers.get("content-length");
                assertTrue(length != null, "an answer kept alive says how long it is: " + status + " " + headers);
                body.write(in.readNBytes(Integer.parseInt(length)));
            }
        }
        return new Answer(code, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                assertFalse(s.length() > 0, "the connection ended inside a line: " + s);
                return null;
            }
            if (c != '\r') {
                s.append((char) c);
            }
        }
        return s.toString();
    }
}
