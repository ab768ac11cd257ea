package dev.onebase.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** A tenant's own console view, signed in with a manage-scoped API key: its own data only, no operator page. */
@QuarkusTest
class ConsoleTenantViewTest {

    /** Signs in with the key; returns the session cookie and the CSRF token of its home page. */
    static String[] signInWith(Tenant t, String key) {
        Response login = given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParam("token", key).post("/console/login");
        assertEquals(303, login.statusCode(), login.asString());
        assertTrue(login.getHeader("Location").endsWith("/console/tenants/" + t.id()), login.getHeader("Location"));
        String cookie = login.getCookie(ConsoleSessions.COOKIE);
        String page = given().cookie(ConsoleSessions.COOKIE, cookie).get("/console/tenants/" + t.id()).then().statusCode(200)
                .extract().asString();
        Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(page);
        assertTrue(m.find());
        return new String[] {cookie, m.group(1)};
    }

    private static void cacheSet(Tenant t, String key) {
        TestApi.as(t).contentType("text/plain").body("v").put("/api/v1/cache/" + key).then().statusCode(204);
    }

    @Test
    void aTenantSeesItsOwnDataAndNothingElse() throws Exception {
        Tenant a = TestApi.signup();
        Tenant b = TestApi.signup();
        cacheSet(a, "mine-of-a");
        cacheSet(b, "secret-of-b");
        String[] s = signInWith(a, a.key());
        String cookie = s[0];

        // its home: usage charts and keys, but no lifecycle controls and the tenant menu only
        String home = given().cookie(ConsoleSessions.COOKIE, cookie).get("/console/tenants/" + a.id()).then().statusCode(200)
                .extract().asString();
        assertTrue(home.contains(a.slug()) && home.contains("Usage over time") && home.contains("API keys"));
        assertFalse(home.contains("Plan and lifecycle") || home.contains("/console/dashboard") || home.contains("/console/backups"), home);
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, cookie).get("/console").then().statusCode(303)
                .header("Location", endsWith("/console/tenants/" + a.id()));

        // its own cache, even when it names no tenant; another tenant's neither in the list nor the picker
        String cache = given().cookie(ConsoleSessions.COOKIE, cookie).get("/console/cache").then().statusCode(200).extract().asString();
        assertTrue(cache.contains("mine-of-a"), cache);
        assertFalse(cache.contains("secret-of-b") || cache.contains(b.slug()), cache);
        for (String page : List.of("/console/sessions", "/console/flags", "/console/files")) {
            String html = given().cookie(ConsoleSessions.COOKIE, cookie).get(page).then().statusCode(200).extract().asString();
            assertFalse(html.contains(b.slug()), page + " shows another tenant");
        }

        // operator pages and another tenant's data: 403, for reading and for changing
        for (String page : List.of("/console/dashboard", "/console/tenants", "/console/jobs", "/console/backups",
                "/console/tenants/" + b.id(), "/console/cache?tenant=" + b.id(), "/console/cache?tenant=" + b.slug(),
                "/console/files?tenant=" + b.id(), "/console/flags?tenant=" + b.id(), "/console/sessions?tenant=" + b.id(),
                "/console/files/content?tenant=" + b.id() + "&id=" + b.id(), "/console/backups/running")) {
            given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, cookie).get(page).then().statusCode(403)
                    .body(not(containsString("secret-of-b")));
        }
        // every change of the console, aimed at the other tenant, with a valid session and CSRF token
        List<String> changes = ConsoleSecurityTest.changeRoutes(b.id().toString());
        changes.add("PUT " + ConsoleFileRoutes.UPLOAD + "?tenant=" + b.id() + "&path=x.txt text/plain");
        for (String change : changes) {
            String[] parts = change.split(" ");
            if (parts[1].startsWith("/console/flags/preview") || parts[1].startsWith("/console/logout")) {
                continue; // touch no tenant's data
            }
            given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, cookie).header(ConsoleGuard.CSRF_HEADER, s[1])
                    .contentType(parts[2]).body(parts[2].contains("json") ? "{}" : "tenant=" + b.id() + "&key=k&value=v")
                    .request(parts[0], parts[1]).then().statusCode(403);
        }
        // operator changes on its own tenant: refused too
        for (String op : List.of("plan", "suspend", "delete", "restore", "purge")) {
            given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, cookie).formParam("csrf", s[1]).formParam("plan", "pro")
                    .formParam("confirm", a.slug()).post("/console/tenants/" + a.id() + "/" + op).then().statusCode(403);
        }
        TestApi.asAdmin().get("/admin/tenants/" + a.id()).then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("active"))
                .body("plan", org.hamcrest.Matchers.equalTo("free"));
        TestApi.as(b).get("/api/v1/cache/k").then().statusCode(404);

        // its own changes go through, with the CSRF token only
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, cookie).formParam("tenant", a.id().toString())
                .formParam("key", "from-console").formParam("value", "hi").post("/console/cache").then().statusCode(403);
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, cookie).formParam("csrf", s[1]).formParam("tenant", a.id().toString())
                .formParam("key", "from-console").formParam("value", "hi").post("/console/cache").then().statusCode(303);
        TestApi.as(a).get("/api/v1/cache/from-console").then().statusCode(200).body(org.hamcrest.Matchers.equalTo("hi"));
        String created = given().cookie(ConsoleSessions.COOKIE, cookie).formParam("csrf", s[1]).formParam("name", "made in the console")
                .formParam("scopes", "read").post("/console/tenants/" + a.id() + "/keys").then().statusCode(200).extract().asString();
        assertTrue(created.contains("made in the console"), created);
    }

    @Test
    void onlyAManageKeySignsInAndTheSessionEndsWithItsKey() {
        Tenant a = TestApi.signup();
        String readKey = TestApi.as(a).contentType(ContentType.JSON).body("{\"name\":\"reader\",\"scopes\":[\"read\"]}")
                .post("/api/v1/keys").then().statusCode(201).extract().path("secret");
        given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("token", readKey)
                .post("/console/login").then().statusCode(401).body(containsString("manage"));
        given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("token", "ob_" + a.id() + "_nope")
                .post("/console/login").then().statusCode(401);

        String manageKey = TestApi.as(a).contentType(ContentType.JSON).body("{\"name\":\"admin\",\"scopes\":[\"read\",\"manage\"]}")
                .post("/api/v1/keys").then().statusCode(201).extract().path("secret");
        String keyId = TestApi.as(a).get("/api/v1/keys").then().statusCode(200).extract().jsonPath()
                .getString("find { it.name == 'admin' }.id");
        String[] s = signInWith(a, manageKey);
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).get("/console/cache").then().statusCode(200);
        TestApi.as(a).delete("/api/v1/keys/" + keyId).then().statusCode(org.hamcrest.Matchers.lessThan(300));
        given().redirects().follow(false).cookie(ConsoleSessions.COOKIE, s[0]).get("/console/cache").then().statusCode(303)
                .header("Location", containsString("/console/login"));
    }
}
