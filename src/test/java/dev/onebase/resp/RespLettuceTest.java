package dev.onebase.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.quarkus.test.junit.QuarkusTest;

/** The RESP port with Lettuce, which speaks RESP3 (HELLO 3 with AUTH inside) unless told otherwise. */
@QuarkusTest
class RespLettuceTest {

    @Inject
    RespServer server;

    RedisClient client(Tenant t) {
        return RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
                .withAuthentication("default", t.key()).build());
    }

    @Test
    void resp3WithHelloAuthAndStrings() {
        Tenant t = TestApi.signup();
        RedisClient client = client(t);
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisCommands<String, String> r = conn.sync();
            assertEquals("OK", r.set("k", "v"));
            assertEquals("v", r.get("k"));
            assertNull(r.get("nope"));
            assertEquals("v", r.setGet("k", "w"));
            assertNull(r.set("k", "x", SetArgs.Builder.nx()));
            assertEquals("OK", r.set("k", "x", SetArgs.Builder.xx().px(60_000)));
            assertTrue(r.pttl("k") > 50_000);
            assertEquals(List.of(KeyValue.just("k", "x"), KeyValue.empty("nope")), r.mget("k", "nope"));
            assertEquals(5L, r.incrby("n", 5));
            assertEquals(1L, r.exists("k"));
            assertEquals("PONG", r.ping());
            assertEquals(2L, r.dbsize());
            assertTrue(r.clientId() > 0);
            RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class, () -> r.incr("k"));
            assertEquals("ERR value is not an integer or out of range", e.getMessage());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void asyncPipelineKeepsOrder() throws Exception {
        Tenant t = TestApi.signup();
        RedisClient client = client(t);
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisAsyncCommands<String, String> r = conn.async();
            conn.setAutoFlushCommands(false);
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                futures.add(r.set("k" + i, "v" + i));
                futures.add(r.get("k" + i));
                futures.add(r.incr("c"));
            }
            conn.flushCommands();
            for (int i = 0; i < 100; i++) {
                assertEquals("OK", futures.get(3 * i).get(10, TimeUnit.SECONDS));
                assertEquals("v" + i, futures.get(3 * i + 1).get(10, TimeUnit.SECONDS));
                assertEquals((long) i + 1, futures.get(3 * i + 2).get(10, TimeUnit.SECONDS));
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aWrongKeyIsRefusedAtConnect() {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
                .withAuthentication("default", "obk_wrong").build());
        try {
            Exception e = assertThrows(Exception.class, client::connect);
            assertTrue(String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage()).contains("WRONGPASS")
                    || String.valueOf(e.getMessage()).contains("WRONGPASS"), e.toString());
        } finally {
            client.shutdown();
        }
    }
}
