package dev.onebase.resp.conformance;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

import dev.onebase.resp.RespServer;
import dev.onebase.testsupport.TestApi;

/**
 * What every conformance test shares: a connection {@link #r} authenticated on a keyspace of its own (a fresh tenant
 * per test), and more connections on the same keyspace when a case needs two clients.
 *
 * <p>The cases are ported from Redis's own test suite (redis/redis, tests/unit/...; each test's display name is the
 * tcl file and the tcl test's name). To check that an expectation is Redis's and not ours, the same tests run against
 * a real Redis when {@code RESP_CONFORMANCE_REDIS} names one ({@code port} or {@code host:port}, with its
 * {@code requirepass} in {@code RESP_CONFORMANCE_REDIS_PASSWORD}; it is FLUSHALLed before each test): docs/resp.md,
 * "Conformance". The few places where onebase deliberately differs (documented there) are guarded by
 * {@link #onebase()}.
 */
abstract class ConformanceBase {

    private static final String REDIS = System.getenv("RESP_CONFORMANCE_REDIS");

    @Inject
    RespServer server;

    /** The test's first connection, authenticated. */
    RawResp r;
    /** The API key (onebase) or password (Redis) of the test's keyspace. */
    String password;
    private final List<RawResp> opened = new ArrayList<>();

    @BeforeEach
    void connect() {
        if (REDIS != null && !REDIS.isBlank()) {
            password = System.getenv().getOrDefault("RESP_CONFORMANCE_REDIS_PASSWORD", "");
        } else {
            password = TestApi.signup().key();
        }
        r = client();
        if (!onebase()) {
            r.ok("flushall");
        }
    }

    @AfterEach
    void closeAll() {
        opened.forEach(RawResp::close);
        opened.clear();
    }

    /** Whether the tests run against onebase (the default) rather than a real Redis. */
    static boolean onebase() {
        return REDIS == null || REDIS.isBlank();
    }

    /** A new connection, not authenticated. */
    RawResp unauthenticated() {
        RawResp c;
        if (onebase()) {
            c = new RawResp("127.0.0.1", server.port());
        } else {
            String[] hp = REDIS.contains(":") ? REDIS.split(":", 2) : new String[] { "127.0.0.1", REDIS };
            c = new RawResp(hp[0], Integer.parseInt(hp[1]));
        }
        opened.add(c);
        return c;
    }

    /** A new connection authenticated on the test's keyspace. */
    RawResp client() {
        RawResp c = unauthenticated();
        if (!password.isEmpty()) {
            c.ok("auth", password);
        }
        return c;
    }

    /** Skips a case that only makes sense on one of the two servers (say why at the call). */
    static void onlyOnOnebase() {
        Assumptions.assumeTrue(onebase(), "onebase-only case");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String repeat(String s, int n) {
        return s.repeat(n);
    }

    static List<Object> listOf(Object... items) {
        List<Object> l = new ArrayList<>();
        for (Object o : items) {
            l.add(o);
        }
        return l;
    }

    static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    static long nowMillis() {
        return System.currentTimeMillis();
    }
}
