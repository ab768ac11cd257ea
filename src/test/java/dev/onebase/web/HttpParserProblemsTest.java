package dev.onebase.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Requests that used to be answered by the HTTP server itself, empty, before any handler of the service ran: a URI
 * over the limit (414), headers over the limit (431), malformed percent-encoding (400). The parser's own limits are
 * set well above the service's, so such a request reaches the router, which answers it as problem+json. What the
 * parser refuses itself, past its own limits or unreadable, is a problem too (web/MainHttpServer).
 */
@QuarkusTest
class HttpParserProblemsTest {

    @Test
    void overLongUrisHugeHeadersAndBadPercentEncodingAreProblems() throws Exception {
        Tenant t = TestApi.signup();
        String auth = "Authorization: Bearer " + t.key() + "\r\n";
        String[][] cases = {
                {"414", "a URI over 4096 bytes", "GET /api/v1/cache/" + "k".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
                {"414", "a query over the limit", "GET /api/v1/files?folder=" + "f".repeat(6000) + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
                {"414", "a long URI on an unknown route", "GET /" + "x".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"},
                {"431", "one header over the limit", "GET /api/v1/tenant HTTP/1.1\r\nHost: x\r\n" + auth + "X-Big: " + "b".repeat(30_000) + "\r\n\r\n"},
                {"431", "many headers over the limit", "GET /api/v1/tenant HTTP/1.1\r\nHost: x\r\n" + auth + many(40, 800) + "\r\n"},
                {"400", "a bad percent-escape in a path", "GET /api/v1/cache/%zz HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
                {"400", "a truncated percent-escape", "GET /api/v1/cache/ab%4 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
                {"400", "a bad percent-escape in a query", "GET /api/v1/files?folder=%g1 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
                {"400", "a bad percent-escape on a file route", "GET /api/v1/files/%zz/content HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
                {"400", "a character a URI may not hold", "GET /api/v1/cache/a|b{c} HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
        };
        List<String> bad = new ArrayList<>();
        for (String[] c : cases) {
            String answer = RawHttp.exchange(io.restassured.RestAssured.port, c[2]);
            String why = check(answer, c[0]);
            if (why != null) {
                bad.add(c[1] + ": " + why);
            }
        }
        assertEquals(List.of(), bad);
    }

    /** Vert.x closes the connection on a chunk-size line it cannot read; the 400 problem goes out just before. */
    @Test
    void aMalformedChunkSizeLineIsA400Problem() throws Exception {
        Tenant t = TestApi.signup();
        String auth = "Authorization: Bearer " + t.key() + "\r\n";
        String[][] cases = {
                {"400", "a cache value", "PUT /api/v1/cache/chunky HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
                {"400", "a file upload", "PUT /api/v1/files/chunky.txt HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nabc\r\n0\r\n\r\n"},
                {"400", "a negative chunk size", "PUT /api/v1/cache/chunky HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n"},
                // a chunked JSON body is refused (411) before it is read; that answer is not lost to the close either
                {"411", "a JSON body", "POST /api/v1/keys HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
        };
        List<String> bad = new ArrayList<>();
        for (String[] c : cases) {
            String why = check(RawHttp.exchange(io.restassured.RestAssured.port, c[2]), c[0]);
            if (why != null) {
                bad.add(c[1] + ": " + why);
            }
        }
        assertEquals(List.of(), bad);
        // nothing was stored from the broken bodies
        assertEquals(404, TestApi.as(t).get("/api/v1/cache/chunky").statusCode());
        String files = TestApi.as(t).get("/api/v1/files?folder=").then().statusCode(200).extract().asString();
        assertTrue(!files.contains("chunky"), files);
    }

    @Test
    void aRequestJustUnderTheLimitsIsServed() throws Exception {
        Tenant t = TestApi.signup();
        String answer = RawHttp.exchange(io.restassured.RestAssured.port, "GET /api/v1/tenant?x=" + "a".repeat(3900) + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + t.key() + "\r\nX-Filler: " + "f".repeat(15_000) + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    }

    /**
     * What the HTTP parser refuses before any route exists (a request line or header line it cannot read, an HTTP version
     * it does not speak, a line or headers past its own 64 KiB limits) is answered by web/MainHttpServer's invalid-request
     * handler: a problem, then the connection is closed (docs/api.md, "Errors and request ids").
     */
    @Test
    void whatTheParserRefusesIsAProblemAndTheConnectionCloses() throws Exception {
        int port = io.restassured.RestAssured.port;
        String[][] cases = {
                {"400", "a request line with an extra word", "GET /api/v1/tenant HTTP/1.1 extra\r\nHost: x\r\n\r\n"},
                {"400", "a request line that is not HTTP", "\u0001\u0002 nonsense\r\nHost: x\r\n\r\n"},
                {"400", "a header line without a colon", "GET /api/v1/tenant HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n"},
                {"501", "an HTTP version other than 1.0 and 1.1", "GET /api/v1/tenant HTTP/2.7\r\nHost: x\r\n\r\n"},
                {"414", "a request line past the parser's limit", "GET /" + "x".repeat(70_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"},
                {"431", "headers past the parser's limit", "GET /api/v1/tenant HTTP/1.1\r\nHost: x\r\n" + many(90, 800) + "\r\n"},
                {"431", "one header past the parser's limit", "GET /api/v1/tenant HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(70_000) + "\r\n\r\n"},
        };
        List<String> bad = new ArrayList<>();
        for (String[] c : cases) {
            String answer = RawHttp.exchange(port, c[2]);
            String why = checkAnyVersion(answer, c[0]);
            if (why == null && !answer.toLowerCase(Locale.ROOT).contains("\r\nconnection: close")) {
                why = "no Connection: close";
            }
            if (why != null) {
                bad.add(c[1] + ": " + (why.length() > 300 ? why.substring(0, 300) : why));
            }
        }
        assertEquals(List.of(), bad);
        // the server is still serving afterwards
        assertTrue(RawHttp.exchange(port, "GET /q/health/live HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
    }

    /** As {@link #check}, but the parser's placeholder for an unreadable request line is HTTP/1.0, so the answer may be too. */
    static String checkAnyVersion(String answer, String status) {
        return check(answer.replaceFirst("^HTTP/\\d\\.\\d ", "HTTP/1.1 "), status);
    }

    private static String many(int headers, int size) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < headers; i++) {
            b.append("X-Many-").append(i).append(": ").append("m".repeat(size)).append("\r\n");
        }
        return b.toString();
    }

    /** null when the answer is the status as problem+json, else what is wrong. */
    static String check(String answer, String status) {
        int end = answer.indexOf("\r\n\r\n");
        String head = end < 0 ? answer : answer.substring(0, end);
        String line = head.split("\r\n", 2)[0];
        if (!line.startsWith("HTTP/1.1 " + status + " ")) {
            return "answered " + (line.isEmpty() ? "nothing (connection closed)" : line);
        }
        if (!head.toLowerCase(Locale.ROOT).contains("content-type: application/problem+json")) {
            return "not problem+json: " + head.replace("\r\n", " | ");
        }
        String body = answer.substring(end + 4);
        if (!body.contains("\"status\":" + status) || !body.contains("\"type\":\"urn:onebase:problem:" + status + "\"")) {
            return "body " + body;
        }
        return null;
    }
}
