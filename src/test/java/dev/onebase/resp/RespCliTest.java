package dev.onebase.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/** redis-cli (Debian's redis-tools, installed by .ci/run) against the RESP port: a shell script as a user would write it. */
@QuarkusTest
class RespCliTest {

    @Inject
    RespServer server;

    @Test
    void redisCliScript() throws Exception {
        Tenant t = TestApi.signup();
        String script = """
                set -euo pipefail
                cli() { REDISCLI_AUTH="$KEY" redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
                test "$(redis-cli -h 127.0.0.1 -p "$PORT" ping)" = PONG
                redis-cli -h 127.0.0.1 -p "$PORT" get k | grep -q NOAUTH
                test "$(cli set greeting hello)" = OK
                test "$(cli get greeting)" = hello
                test "$(cli append greeting ' world')" = 11
                test "$(cli incr visits)" = 1
                test "$(cli incrby visits 41)" = 42
                test "$(cli set temp x EX 100)" = OK
                ttl=$(cli ttl temp); test "$ttl" -gt 90
                cli -3 hello 3 | grep -q redis
                test "$(cli --user default --pass "$KEY" --no-auth-warning dbsize)" = 3
                for i in $(seq 1 25); do echo "SET bulk:$i v$i"; done | cli > /dev/null
                test "$(cli --scan --pattern 'bulk:*' | wc -l)" = 25
                test "$(cli keys 'bulk:1*' | wc -l)" = 11
                cli nosuchcommand a | grep -q "ERR unknown command 'nosuchcommand', with args beginning with: 'a'"
                test "$(cli flushdb)" = OK
                test "$(cli dbsize)" = 0
                echo done
                """;
        Path file = Files.createTempFile("resp-cli", ".sh");
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(server.port()));
        pb.environment().put("KEY", t.key());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "redis-cli script timed out");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Files.delete(file);
        assertEquals(0, p.exitValue(), out);
        assertEquals(List.of("done"), out.lines().filter(l -> l.equals("done")).toList(), out);
    }
}
