package dev.onebase.web;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/** What the layers under the resources answer (routing, content negotiation, Quarkus's own routes) is problem+json too. */
@QuarkusTest
class HttpLayerProblemsTest {

    @Test
    void unknownRoutesAnywhereAre404Problems() {
        problem(given().get("/").then(), 404);
        problem(given().get("/q/nothing-here").then(), 404);
        problem(given().accept("text/html").get("/q/nothing-here").then(), 404);
        problem(given().get("/nothing/at/all").then(), 404);
        problem(given().accept("text/html").get("/nothing/at/all").then(), 404);
    }

    @Test
    void wrongMethodsAre405Problems() {
        Tenant t = TestApi.signup();
        problem(as(t).post("/api/v1/files/some/name.txt").then(), 404);
        problem(as(t).request("FROB", "/api/v1/tenant").then(), 405);
    }

    @Test
    void contentNegotiationFailuresAreProblems() {
        Tenant t = TestApi.signup();
        problem(as(t).accept("application/xml").get("/api/v1/tenant").then(), 406);
        problem(as(t).contentType("text/csv").body("a,b").patch("/api/v1/tenant").then(), 415);
    }

    @Test
    void rawRequestsTheHttpLayerRefusesAreProblems() throws Exception {
        Tenant t = TestApi.signup();
        String auth = "Authorization: Bearer " + t.key() + "\r\n";
        java.util.List<String> bad = new java.util.ArrayList<>();
        String[][] cases = {
                {"malformed chunk", "PUT /api/v1/cache/k HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
                {"malformed chunk on a file upload", "PUT /api/v1/files/c.txt HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
                {"unknown method", "FROB /api/v1/tenant HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"},
                {"options", "OPTIONS /api/v1/tenant HTTP/1.1\r\nHost: x\r\n\r\n"},
                {"trace", "TRACE /api/v1/tenant HTTP/1.1\r\nHost: x\r\n\r\n"},
        };
        for (String[] c : cases) {
            String answer = RawHttp.exchange(io.restassured.RestAssured.port, c[1]);
            String head = answer.contains("\r\n\r\n") ? answer.substring(0, answer.indexOf("\r\n\r\n")) : answer;
            String status = head.isEmpty() ? "" : head.split(" ", 3)[1];
            boolean ok = status.startsWith("2") || status.startsWith("3") || status.isEmpty()
                    || head.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/problem+json") && answer.contains("\"status\":" + status);
            if (!ok) {
                bad.add(c[0] + ": " + head.replace("\r\n", " | "));
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), bad);
    }

}
