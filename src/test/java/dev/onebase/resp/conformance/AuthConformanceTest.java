package dev.onebase.resp.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * redis/redis tests/unit/auth.tcl (the server with {@code requirepass}; the password is the tenant's API key here)
 * and the AUTH parts of HELLO (networking.c helloCommand, tests/unit/protocol.tcl's HELLO cases).
 */
@QuarkusTest
class AuthConformanceTest extends ConformanceBase {

    private static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

    @Test
    @DisplayName("auth.tcl: Arity check for auth command; AUTH fails when a wrong password is given; Arbitrary command gives an error when AUTH is required")
    void authFailures() {
        RawResp c = unauthenticated();
        assertEquals("ERR syntax error", c.err("auth", "a", "b", "c"));
        assertEquals(WRONGPASS, c.err("auth", "wrong!"));
        assertEquals(WRONGPASS, c.err("auth", "default", "wrong!"));
        assertEquals("NOAUTH Authentication required.", c.err("set", "foo", "bar"));
        assertEquals("NOAUTH Authentication required.", c.err("get", "foo"));
        assertEquals("NOAUTH Authentication required.", c.err("echo", "x"));
        if (onebase()) {
            // the issue asks for PING before AUTH (health checks); Redis answers NOAUTH
            assertEquals(new RawResp.Status("PONG"), c.call("ping"), "PING works before AUTH");
        }
        assertEquals("ERR wrong number of arguments for 'auth' command", c.err("auth"));
    }

    @Test
    @DisplayName("auth.tcl: AUTH succeeds when the right password is given; Once AUTH succeeded we can actually send commands to the server")
    void authSucceeds() {
        RawResp c = unauthenticated();
        c.ok("auth", password);
        c.ok("set", "foo", "100");
        assertEquals(101, c.num("incr", "foo"));
        RawResp withUser = unauthenticated();
        withUser.ok("auth", "default", password);
        assertEquals("101", withUser.str("get", "foo"));
        assertEquals(WRONGPASS, withUser.err("auth", "nope"));
        assertEquals("101", withUser.str("get", "foo"), "a failed AUTH leaves the connection as it was");
    }

    @Test
    @DisplayName("auth.tcl: For unauthenticated clients multibulk and bulk length are limited")
    void unauthenticatedLimits() {
        RawResp c = unauthenticated();
        c.writeRaw("*100\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(new RawResp.Error("ERR Protocol error: unauthenticated multibulk length"), c.read());
        assertTrue(c.closedByServer());
        RawResp d = unauthenticated();
        d.writeRaw("*1\r\n$100000000\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(new RawResp.Error("ERR Protocol error: unauthenticated bulk length"), d.read());
        assertTrue(d.closedByServer());
    }

    @Test
    @DisplayName("protocol.tcl / networking.c helloCommand: HELLO without AUTH before authenticating, with a wrong or right AUTH, bad versions and options")
    void hello() {
        RawResp c = unauthenticated();
        assertTrue(c.err("hello", "3").startsWith("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "));
        assertEquals(WRONGPASS, c.err("hello", "3", "auth", "default", "wrong"));
        assertEquals("NOPROTO unsupported protocol version", c.err("hello", "4"));
        assertEquals("ERR Protocol version is not an integer or out of range", c.err("hello", "x"));
        assertEquals("ERR Syntax error in HELLO option 'foo'", c.err("hello", "3", "foo"));
        assertEquals("ERR Syntax error in HELLO option 'AUTH'", c.err("hello", "3", "AUTH", "default"));
        assertEquals("NOAUTH Authentication required.", c.err("get", "x"));
        Object reply = c.call("hello", "3", "auth", "default", password, "setname", "conformance");
        assertTrue(reply instanceof Map, "RESP3: HELLO answers a map");
        Map<?, ?> info = (Map<?, ?>) reply;
        assertEquals("redis", info.get("server"));
        assertEquals(3L, info.get("proto"));
        assertEquals(Long.class, info.get("id").getClass());
        assertEquals("standalone", info.get("mode"));
        assertEquals("master", info.get("role"));
        assertEquals("conformance", c.str("client", "getname"));
        assertNull(c.call("get", "nokey"));
        assertEquals('_', c.lastType, "RESP3 null");
        c.ok("set", "k", "v");
        Object map = c.call("hello", "2");
        assertTrue(map instanceof java.util.List && ((java.util.List<?>) map).size() == 14, "RESP2: HELLO answers a flat array");
    }

    @Test
    @DisplayName("RESET (networking.c resetCommand): back to an unauthenticated RESP2 connection")
    void reset() {
        RawResp c = client();
        c.call("hello", "3");
        c.ok("multi");
        assertEquals(new RawResp.Status("RESET"), c.call("reset"));
        assertEquals("NOAUTH Authentication required.", c.err("get", "k"), "RESET forgets the authentication");
        assertEquals(WRONGPASS, c.err("auth", "default", "wrong"));
        c.ok("auth", password);
        assertNull(c.call("get", "nokey"));
        assertEquals('$', c.lastType, "RESP2 again: a nil is $-1");
    }
    /**
     * onebase only: commands admitted from memory (a known key, lease left) still check the scope, and a key revoked
     * over HTTP stops at the connection's next command.
     */
    @Test
    @DisplayName("onebase: scope and revocation on the in-memory admission path")
    void revokedKeyStopsAtTheNextCommand() {
        org.junit.jupiter.api.Assumptions.assumeTrue(onebase());
        dev.onebase.testsupport.TestApi.Tenant t = dev.onebase.testsupport.TestApi.signup();
        String readOnly = dev.onebase.testsupport.TestApi.as(t).contentType("application/json").body("{\"name\":\"resp\",\"scopes\":[\"read\"]}")
                .post("/api/v1/keys").then().statusCode(201).extract().path("secret");
        String keyId = dev.onebase.testsupport.TestApi.as(t).get("/api/v1/keys").then().statusCode(200)
                .extract().path("find { it.name == 'resp' }.id");
        RawResp c = unauthenticated();
        c.ok("auth", readOnly);
        for (int i = 0; i < 20; i++) {
            assertNull(c.str("get", "k"));
            assertTrue(c.err("set", "k", "v").startsWith("NOPERM "), "a read key cannot write");
        }
        dev.onebase.testsupport.TestApi.as(t).delete("/api/v1/keys/" + keyId).then().statusCode(200);
        assertTrue(c.err("get", "k").startsWith("NOAUTH "), "a revoked key stops at the next command");
    }
}
