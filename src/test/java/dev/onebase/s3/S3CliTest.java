package dev.onebase.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The command-line tools people use against S3 (Debian's awscli and s3cmd, installed by .ci/run), unchanged, against
 * onebase: a 100 MiB multipart copy up and down, sync both ways, listings, a presigned URL fetched with curl.
 */
@QuarkusTest
class S3CliTest {

    @Inject
    S3Server server;

    @Test
    void awsCliAndS3cmdWorkUnchanged() throws Exception {
        TestApi.Tenant t = TestApi.signup();
        S3Clients.Key key = S3Clients.key(t);
        Path dir = Files.createTempDirectory("s3-cli");
        String endpoint = "http://127.0.0.1:" + server.port();
        Files.writeString(dir.resolve("aws-config"), "[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n");
        Files.writeString(dir.resolve("s3cfg"), "[default]\naccess_key = " + key.id() + "\nsecret_key = " + key.secret()
                + "\nhost_base = 127.0.0.1:" + server.port() + "\nhost_bucket = 127.0.0.1:" + server.port()
                + "\nuse_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n");
        String script = """
                set -euo pipefail
                AWS=$(test -x /usr/bin/aws && echo /usr/bin/aws || echo aws)
                aws() { "$AWS" --endpoint-url "$ENDPOINT" "$@"; }
                head -c 104857600 /dev/urandom > big.bin
                aws s3 mb s3://cli
                aws s3 cp big.bin s3://cli/big/big.bin
                aws s3 ls s3://cli/big/ | grep -q ' 104857600 big.bin'
                aws s3 cp s3://cli/big/big.bin back.bin
                cmp big.bin back.bin
                aws s3api head-object --bucket cli --key big/big.bin | grep -q '"ETag": "\\\\"[0-9a-f]*-[0-9]*\\\\""'
                mkdir -p tree/sub && echo alpha > tree/a.txt && echo beta > tree/sub/b.txt
                aws s3 sync tree s3://cli/tree
                aws s3 sync s3://cli/tree copy
                diff -r tree copy
                aws s3 ls s3://cli/tree/ --recursive | grep -q 'tree/sub/b.txt'
                aws s3 ls | grep -q ' cli$'
                URL=$(aws s3 presign s3://cli/tree/a.txt --expires-in 300)
                test "$(curl -fsS "$URL")" = alpha
                aws s3 rm s3://cli/tree --recursive
                test -z "$(aws s3 ls s3://cli/tree/ || true)"
                echo from-s3cmd > s3cmd.txt
                s3cmd -c s3cfg put s3cmd.txt s3://cli/s3cmd.txt
                s3cmd -c s3cfg ls s3://cli/ | grep -q 's3://cli/s3cmd.txt'
                s3cmd -c s3cfg get s3://cli/s3cmd.txt got.txt
                cmp s3cmd.txt got.txt
                s3cmd -c s3cfg del s3://cli/s3cmd.txt
                echo done
                """;
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("ENDPOINT", endpoint);
        pb.environment().put("AWS_ACCESS_KEY_ID", key.id());
        pb.environment().put("AWS_SECRET_ACCESS_KEY", key.secret());
        pb.environment().put("AWS_CONFIG_FILE", dir.resolve("aws-config").toString());
        pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("none").toString());
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        pb.environment().put("AWS_PAGER", "");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("done"), out);
        delete(dir);
    }

    private static void delete(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
