package dev.onebase.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

@QuarkusTest
class ConsoleSecurityTest {

    /** Signs in as the operator; returns the session cookie and the page's CSRF token. */
    static String[] signIn() {
        Response login = given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParam("token", TestApi.ADMIN_TOKEN).post("/console/login");
        assertEquals(303, login.statusCode());
        String cookie = login.getCookie(ConsoleSessions.COOKIE);
        String page = given().cookie(ConsoleSessions.COOKIE, cookie).get("/console/dashboard").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(page);
        assertTrue(m.find(), "the page carries its CSRF token");
        return new String[] {cookie, m.group(1)};
    }

    @Test
    void pagesNeedASignedInOperator() {
        given().redirects().follow(false).get("/console/dashboard").then().statusCode(303)
                .header("Location", containsString("/console/login"));
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, "forged").get("/console/tenants").then().statusCode(303);
        given().get("/console/login").then().statusCode(200).header("Content-Security-Policy", equalTo(ConsoleGuard.CSP))
                .body(containsString("<label for=\"token\">"));
    }

    @Test
    void aWrongAdminTokenIsRefusedAndTheRightOneGivesAStrictCookie() {
        given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("token", "wrong")
                .post("/console/login").then().statusCode(401).body(containsString("wrong"));
        Response ok = given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParam("token", TestApi.ADMIN_TOKEN).post("/console/login");
        String setCookie = ok.getHeader("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.toLowerCase().contains("samesite=strict"), setCookie);
        assertTrue(setCookie.contains("Path=/console"), setCookie);
        assertFalse(setCookie.contains("Secure"), "plain HTTP in the test: no Secure flag, else the browser drops it: " + setCookie);
    }

    @Test
    void pagesCarryAStrictContentSecurityPolicyAndNoInlineScript() {
        String[] s = signIn();
        for (String page : List.of("/console/dashboard", "/console/tenants", "/console/cache", "/console/sessions", "/console/flags",
                "/console/files", "/console/jobs", "/console/backups")) {
            String html = given().cookie(ConsoleSessions.COOKIE, s[0]).get(page).then().statusCode(200)
                    .header("Content-Security-Policy", equalTo(ConsoleGuard.CSP)).header("X-Frame-Options", "DENY")
                    .extract().asString();
            assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)").matcher(html).find(), page + " has an inline script");
            assertFalse(html.contains(" style=\""), page + " has an inline style");
            assertFalse(Pattern.compile(" on[a-z]+=\"").matcher(html).find(), page + " has an inline event handler");
        }
    }

    /**
     * Every change the console offers (each POST/PUT/DELETE of its resources, found by reflection, and the upload route)
     * is refused without a session, with a session but no CSRF token, and with a wrong one, and changes nothing.
     */
    @Test
    void everyChangeWithoutAValidSessionAndCsrfTokenIsRefused() throws Exception {
        TestApi.Tenant tenant = TestApi.signup();
        String[] s = signIn();
        List<String> changes = changeRoutes(tenant.id().toString());
        assertTrue(changes.size() >= 20, "found the console's changes: " + changes);
        changes.add("PUT " + ConsoleFileRoutes.UPLOAD + "?tenant=" + tenant.id() + "&path=x.txt text/plain");
        for (String change : changes) {
            String[] parts = change.split(" ");
            String method = parts[0];
            String path = parts[1];
            String type = parts[2];
            String body = type.contains("json") ? "{\"csrf\":\"" + s[1] + "\"}" : "slug=x&csrf=";
            given().redirects().follow(false).contentType(type).body((body)).request(method, path).then().statusCode(403);
            given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).contentType(type).body((body))
                    .request(method, path).then().statusCode(403);
            given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).contentType(type)
                    .body((type.contains("json") ? "{}" : "csrf=" + s[1] + "x")).request(method, path).then().statusCode(403);
            given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).header(ConsoleGuard.CSRF_HEADER, "nope")
                    .contentType(type).body((type.contains("json") ? "{}" : "")).request(method, path).then().statusCode(403);
            given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, "forged").header(ConsoleGuard.CSRF_HEADER, s[1])
                    .contentType(type).body((type.contains("json") ? "{}" : "csrf=" + s[1])).request(method, path).then().statusCode(403);
        }
        TestApi.asAdmin().get("/admin/tenants/" + tenant.id()).then().statusCode(200).body("status", equalTo("active"));

        // the same change with the token goes through, so the refusals above were the token's doing
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).formParam("csrf", s[1])
                .post("/console/tenants/" + tenant.id() + "/suspend").then().statusCode(303);
        TestApi.asAdmin().get("/admin/tenants/" + tenant.id()).then().statusCode(200).body("status", equalTo("suspended"));
    }

    @Test
    void aChangeFromAnotherSiteIsRefusedEvenWithTheToken() {
        TestApi.Tenant tenant = TestApi.signup();
        String[] s = signIn();
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).header("Origin", "https://evil.example")
                .formParam("csrf", s[1]).post("/console/tenants/" + tenant.id() + "/suspend").then().statusCode(403);
        TestApi.asAdmin().get("/admin/tenants/" + tenant.id()).then().body("status", equalTo("active"));
    }

    @Test
    void signingOutEndsTheSessionOnTheServer() {
        String[] s = signIn();
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).formParam("csrf", s[1]).post("/console/logout")
                .then().statusCode(303).header("Set-Cookie", containsString("Max-Age=0"));
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).get("/console/dashboard").then().statusCode(303);
    }

    @Test
    void theOpenApiDocumentOffersABearerSchemeForSwaggerUi() {
        given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.apiKey.type", equalTo("http"))
                .body("components.securitySchemes.apiKey.scheme", equalTo("bearer"))
                .body("components.securitySchemes.adminToken.scheme", equalTo("bearer"))
                .body("paths.'/api/v1/tenant'.get.security[0].apiKey.size()", equalTo(0))
                .body("paths.'/admin/tenants'.get.security[0].adminToken.size()", equalTo(0));
    }

    /** "METHOD /path content-type" of every change method of the console's JAX-RS resources, path parameters filled in. */
    static List<String> changeRoutes(String tenantId) throws IOException, ClassNotFoundException {
        List<String> routes = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/onebase/console"))) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString().replace(".java", "");
                Class<?> c = Class.forName("dev.onebase.console." + name);
                jakarta.ws.rs.Path base = c.getAnnotation(jakarta.ws.rs.Path.class);
                if (base == null) {
                    continue;
                }
                for (Method m : c.getDeclaredMethods()) {
                    String method = m.isAnnotationPresent(POST.class) ? "POST" : m.isAnnotationPresent(PUT.class) ? "PUT"
                            : m.isAnnotationPresent(DELETE.class) ? "DELETE" : m.isAnnotationPresent(PATCH.class) ? "PATCH" : null;
                    if (method == null) {
                        continue;
                    }
                    jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
                    String path = base.value() + (sub == null ? "" : "/" + sub.value().replaceFirst("^/", ""));
                    if (path.equals("/console/login")) {
                        continue;
                    }
                    jakarta.ws.rs.Consumes consumes = m.isAnnotationPresent(jakarta.ws.rs.Consumes.class)
                            ? m.getAnnotation(jakarta.ws.rs.Consumes.class) : c.getAnnotation(jakarta.ws.rs.Consumes.class);
                    String type = consumes == null ? "application/x-www-form-urlencoded" : consumes.value()[0];
                    routes.add(method + " " + path.replace("{id}", tenantId).replace("{key}", tenantId).replace("{name}", "refresh-stats")
                            + "?tenant=" + tenantId + " " + type);
                }
            }
        }
        return routes;
    }
}
