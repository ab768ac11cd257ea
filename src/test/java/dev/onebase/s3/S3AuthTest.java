package dev.onebase.s3;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.checksums.spi.ChecksumAlgorithm;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Access keys, every signing mode S3 clients use, and who may see what. */
@QuarkusTest
class S3AuthTest {

    @Inject
    S3Server server;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void keysAreManagedByTheTenantAndTheAdminAndKeptEncrypted() {
        TestApi.Tenant t = TestApi.signup();
        S3Clients.Key key = S3Clients.key(t);
        assertTrue(key.id().startsWith("OB" + t.id().toString().replace("-", "").toUpperCase()), key.id());
        String listed = as(t).get("/api/v1/keys/s3").then().statusCode(200).extract().asString();
        assertTrue(listed.contains(key.id()) && !listed.contains(key.secret()), listed);
        // the secret is stored sealed, never in plain text
        byte[] stored = (byte[]) Db.value("select secret from s3_keys where access_key_id = ?", key.id());
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains(key.secret()));

        // creating and revoking needs the manage scope
        String readWrite = as(t).contentType(ContentType.JSON).body("{\"scopes\":[\"read\",\"write\"]}").post("/api/v1/keys")
                .then().statusCode(201).extract().path("secret");
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + readWrite).contentType(ContentType.JSON).body("{}")
                .post("/api/v1/keys/s3").then().statusCode(403);

        // the admin API
        String adminKey = asAdmin().contentType(ContentType.JSON).body("{\"name\":\"ops\",\"scopes\":[\"read\"]}")
                .post("/admin/tenants/" + t.id() + "/s3-keys").then().statusCode(201).extract().path("key.accessKeyId");
        assertTrue(asAdmin().get("/admin/tenants/" + t.id() + "/s3-keys").then().statusCode(200).extract().asString().contains(adminKey));
        asAdmin().contentType(ContentType.JSON).body("{\"scopes\":[\"root\"]}").post("/admin/tenants/" + t.id() + "/s3-keys").then().statusCode(422);

        S3Client s3 = S3Clients.client(server.port(), key);
        s3.createBucket(b -> b.bucket("keys"));
        String id = as(t).get("/api/v1/keys/s3").then().extract().path("find { it.accessKeyId == '" + key.id() + "' }.id");
        as(t).delete("/api/v1/keys/s3/" + id).then().statusCode(200);
        S3Exception revoked = assertThrows(S3Exception.class, s3::listBuckets);
        assertEquals("InvalidAccessKeyId", revoked.awsErrorDetails().errorCode());
        as(t).delete("/api/v1/keys/s3/" + java.util.UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void badSignaturesUnknownKeysScopesAndSkewAreRefused() throws Exception {
        TestApi.Tenant t = TestApi.signup();
        S3Clients.Key key = S3Clients.key(t);
        S3Exception wrong = assertThrows(S3Exception.class, () -> S3Clients.client(server.port(), new S3Clients.Key(key.id(), key.secret() + "x"))
                .listBuckets());
        assertEquals("SignatureDoesNotMatch", wrong.awsErrorDetails().errorCode());
        assertEquals(403, wrong.statusCode());
        S3Exception unknown = assertThrows(S3Exception.class, () -> S3Clients.client(server.port(),
                new S3Clients.Key("OB" + "0".repeat(32) + "AAAAAAAA", key.secret())).listBuckets());
        assertEquals("InvalidAccessKeyId", unknown.awsErrorDetails().errorCode());

        String readOnly = as(t).contentType(ContentType.JSON).body("{\"scopes\":[\"read\"]}").post("/api/v1/keys/s3").then().statusCode(201)
                .extract().path("secretAccessKey");
        String readOnlyId = as(t).get("/api/v1/keys/s3").then().extract().path("find { it.scopes == ['read'] }.accessKeyId");
        S3Client reader = S3Clients.client(server.port(), new S3Clients.Key(readOnlyId, readOnly));
        reader.listBuckets();
        S3Exception denied = assertThrows(S3Exception.class, () -> reader.createBucket(b -> b.bucket("nope")));
        assertEquals("AccessDenied", denied.awsErrorDetails().errorCode());

        // a request signed 20 minutes ago
        String old = S3Auth.AMZ_DATE.format(java.time.Instant.now().minus(Duration.ofMinutes(20)));
        HttpResponse<String> skewed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                .header("x-amz-date", old).header("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + key.id() + "/" + old.substring(0, 8)
                        + "/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, skewed.statusCode());
        assertTrue(skewed.body().contains("<Code>RequestTimeTooSkewed</Code>"), skewed.body());

        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, anonymous.statusCode());
        assertTrue(anonymous.body().contains("<Code>AccessDenied</Code>"), anonymous.body());
    }

    @Test
    void anotherTenantsBucketsAreNeverVisible() {
        TestApi.Tenant a = TestApi.signup();
        TestApi.Tenant b = TestApi.signup();
        S3Client s3a = S3Clients.client(server.port(), S3Clients.key(a));
        S3Client s3b = S3Clients.client(server.port(), S3Clients.key(b));
        s3a.createBucket(r -> r.bucket("secret-stuff"));
        s3a.putObject(r -> r.bucket("secret-stuff").key("plan.txt"), RequestBody.fromString("a's plan"));

        assertThrows(NoSuchBucketException.class, () -> s3b.getObject(r -> r.bucket("secret-stuff").key("plan.txt")));
        assertThrows(NoSuchBucketException.class, () -> s3b.listObjectsV2(r -> r.bucket("secret-stuff")));
        assertThrows(NoSuchBucketException.class, () -> s3b.copyObject(r -> r.sourceBucket("secret-stuff").sourceKey("plan.txt")
                .destinationBucket("secret-stuff").destinationKey("stolen.txt")));
        assertTrue(s3b.listBuckets().buckets().isEmpty());
        // names are per tenant: b may have its own "secret-stuff", which holds none of a's objects
        s3b.createBucket(r -> r.bucket("secret-stuff"));
        assertTrue(s3b.listObjectsV2(r -> r.bucket("secret-stuff")).contents().isEmpty());
        S3Exception copy = assertThrows(S3Exception.class, () -> s3b.copyObject(r -> r.sourceBucket("secret-stuff").sourceKey("plan.txt")
                .destinationBucket("secret-stuff").destinationKey("stolen.txt")));
        assertEquals("NoSuchKey", copy.awsErrorDetails().errorCode());
        assertEquals("a's plan", s3a.getObjectAsBytes(r -> r.bucket("secret-stuff").key("plan.txt")).asUtf8String());
    }

    @Test
    void quotasAndFileLimitsAnswerAsS3Does() {
        TestApi.Tenant t = TestApi.signup();
        Db.exec("insert into plans (id, name, storage_bytes, max_file_bytes, cache_entries, requests_per_minute) "
                + "values ('s3-tiny', 'S3 tiny', 3145728, 2097152, 100, 100000) on conflict do nothing");
        asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"s3-tiny\"}").put("/admin/tenants/" + t.id() + "/plan").then().statusCode(200);
        S3Client s3 = S3Clients.client(server.port(), S3Clients.key(t));
        s3.createBucket(r -> r.bucket("quota"));
        S3Exception tooBig = assertThrows(S3Exception.class, () -> s3.putObject(r -> r.bucket("quota").key("big.bin"),
                RequestBody.fromBytes(new byte[2 * 1024 * 1024 + 1])));
        assertEquals("EntityTooLarge", tooBig.awsErrorDetails().errorCode());
        s3.putObject(r -> r.bucket("quota").key("one.bin"), RequestBody.fromBytes(new byte[2 * 1024 * 1024]));
        S3Exception over = assertThrows(S3Exception.class, () -> s3.putObject(r -> r.bucket("quota").key("two.bin"),
                RequestBody.fromBytes(new byte[2 * 1024 * 1024])));
        assertEquals("QuotaExceeded", over.awsErrorDetails().errorCode());
        assertEquals(1L, Db.count("select count(*) from files where tenant_id = ?", t.id()));
    }

    @Test
    void presignedUrlsWorkWithPlainHttpUntilTheyExpire() throws Exception {
        TestApi.Tenant t = TestApi.signup();
        S3Clients.Key key = S3Clients.key(t);
        S3Client s3 = S3Clients.client(server.port(), key);
        s3.createBucket(r -> r.bucket("shared"));
        var presigner = S3Clients.presigner(server.port(), key);
        URI put = presigner.presignPutObject(r -> r.signatureDuration(Duration.ofMinutes(5)).putObjectRequest(p -> p.bucket("shared")
                .key("up load+.txt"))).url().toURI();
        HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers.ofString("via presigned put")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        URI get = presigner.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5)).getObjectRequest(g -> g.bucket("shared")
                .key("up load+.txt"))).url().toURI();
        HttpResponse<String> downloaded = http.send(HttpRequest.newBuilder(get).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, downloaded.statusCode());
        assertEquals("via presigned put", downloaded.body());

        // tampering with the URL breaks the signature
        URI tampered = URI.create(get.toString().replace("up%20load", "up%20loaD"));
        assertEquals(403, http.send(HttpRequest.newBuilder(tampered).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());

        URI shortLived = presigner.presignGetObject(r -> r.signatureDuration(Duration.ofSeconds(1)).getObjectRequest(g -> g.bucket("shared")
                .key("up load+.txt"))).url().toURI();
        Thread.sleep(2100);
        HttpResponse<String> expired = http.send(HttpRequest.newBuilder(shortLived).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, expired.statusCode());
        assertTrue(expired.body().contains("Request has expired"), expired.body());

        // CORS for browser uploads: a rule on the bucket answers the preflight of a presigned URL
        s3.putBucketCors(r -> r.bucket("shared").corsConfiguration(c -> c.corsRules(rule -> rule.allowedOrigins("https://app.example")
                .allowedMethods("PUT", "GET").allowedHeaders("*").maxAgeSeconds(600))));
        assertEquals(List.of("https://app.example"), s3.getBucketCors(r -> r.bucket("shared")).corsRules().get(0).allowedOrigins());
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(put).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example").header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "content-type").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, preflight.statusCode(), preflight.body());
        assertEquals("https://app.example", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> otherOrigin = http.send(HttpRequest.newBuilder(put).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "PUT").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, otherOrigin.statusCode());
        HttpResponse<String> actual = http.send(HttpRequest.newBuilder(get).header("Origin", "https://app.example").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("https://app.example", actual.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        s3.deleteBucketCors(r -> r.bucket("shared"));
        assertEquals(404, assertThrows(S3Exception.class, () -> s3.getBucketCors(r -> r.bucket("shared"))).statusCode());
    }

    /** Every body framing current SDKs send, signed by the SDK's own signer, and a tampered copy of each. */
    @Test
    void everyStreamingModeIsCheckedChunkByChunk() throws Exception {
        TestApi.Tenant t = TestApi.signup();
        S3Clients.Key key = S3Clients.key(t);
        S3Clients.client(server.port(), key).createBucket(r -> r.bucket("modes"));
        byte[] body = new byte[200_000];
        new java.util.Random(3).nextBytes(body);
        record Mode(String name, boolean signed, ChecksumAlgorithm checksum, String expected) {
        }
        List<Mode> modes = List.of(
                new Mode("signed", true, null, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                new Mode("signed-crc32", true, DefaultChecksumAlgorithm.CRC32, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
                new Mode("unsigned-crc32", false, DefaultChecksumAlgorithm.CRC32, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                new Mode("unsigned-crc32c", false, DefaultChecksumAlgorithm.CRC32C, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                new Mode("unsigned-sha1", false, DefaultChecksumAlgorithm.SHA1, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                new Mode("unsigned-sha256", false, DefaultChecksumAlgorithm.SHA256, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
        for (Mode m : modes) {
            // signed as for https (the SDK signs every payload over plain http); the host, not the scheme, is signed
            URI uri = URI.create("https://127.0.0.1:" + server.port() + "/modes/" + m.name() + ".bin");
            var signed = AwsV4HttpSigner.create().sign(r -> {
                r.identity(AwsBasicCredentials.create(key.id(), key.secret()))
                        .request(SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(uri).putHeader("Content-Length", Integer.toString(body.length))
                                .build())
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3").putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, true).putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, m.signed());
                if (m.checksum() != null) {
                    r.putProperty(AwsV4HttpSigner.CHECKSUM_ALGORITHM, m.checksum());
                }
            });
            assertEquals(m.expected(), signed.request().firstMatchingHeader("x-amz-content-sha256").orElse(""), m.name());
            byte[] encoded = readAll(signed.payload().orElseThrow().newStream());
            assertEquals(200, send(signed.request(), encoded).statusCode(), m.name());
            assertArrayEquals(body, S3Clients.client(server.port(), key).getObjectAsBytes(r -> r.bucket("modes").key(m.name() + ".bin")).asByteArray(),
                    m.name());

            // one byte of the data changed: refused, and the stored object is still the first one
            byte[] tampered = encoded.clone();
            tampered[encoded.length / 2] ^= 1;
            HttpResponse<String> refused = send(signed.request(), tampered);
            assertEquals(m.signed() ? 403 : 400, refused.statusCode(), m.name() + ": " + refused.body());
            assertTrue(refused.body().contains(m.signed() ? "SignatureDoesNotMatch" : "BadDigest"), refused.body());
        }
        assertEquals(modes.size(), Db.count("select count(*) from files where tenant_id = ? and version = 1", t.id()));
    }

    /**
     * A body whose SHA-256 is not the declared x-amz-content-sha256 (the signature, which covers the header, is
     * right) is refused with XAmzContentSHA256Mismatch and leaves nothing: the object keeps its content, no part is
     * stored. The stored file's own hash is what the declared one is compared with.
     */
    @Test
    void aBodyThatIsNotTheDeclaredSha256IsRefused() throws Exception {
        TestApi.Tenant t = TestApi.signup();
        S3Clients.Key key = S3Clients.key(t);
        S3Client s3 = S3Clients.client(server.port(), key);
        s3.createBucket(r -> r.bucket("sha"));
        byte[] body = new byte[1_500_000];
        new java.util.Random(5).nextBytes(body);
        byte[] tampered = body.clone();
        tampered[body.length - 1] ^= 1;
        String upload = s3.createMultipartUpload(r -> r.bucket("sha").key("parts.bin")).uploadId();
        for (String target : List.of("/sha/object.bin", "/sha/parts.bin?partNumber=1&uploadId=" + upload)) {
            var signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsBasicCredentials.create(key.id(), key.secret()))
                    .request(SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(URI.create("https://127.0.0.1:" + server.port() + target))
                            .putHeader("Content-Length", Integer.toString(body.length)).build())
                    .payload(ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3").putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                    .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, false).putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true));
            assertEquals(64, signed.request().firstMatchingHeader("x-amz-content-sha256").orElse("").length(), target);
            HttpResponse<String> refused = send(signed.request(), tampered);
            assertEquals(400, refused.statusCode(), target + ": " + refused.body());
            assertTrue(refused.body().contains("<Code>XAmzContentSHA256Mismatch</Code>"), refused.body());
            assertEquals(200, send(signed.request(), body).statusCode(), target);
            assertEquals(400, send(signed.request(), tampered).statusCode(), target);
        }
        assertArrayEquals(body, s3.getObjectAsBytes(r -> r.bucket("sha").key("object.bin")).asByteArray());
        assertEquals(1, Db.count("select count(*) from files where tenant_id = ? and name = 'object.bin' and version = 1", t.id()));
        var parts = s3.listParts(r -> r.bucket("sha").key("parts.bin").uploadId(upload)).parts();
        assertEquals(1, parts.size());
        assertEquals((long) body.length, parts.get(0).size());
        assertEquals(1, Db.count("select count(*) from files where tenant_id = ? and folder like '.s3-uploads/%' and version = 1", t.id()));
    }

    @Test
    void crc64NvmeIsTheStandardOne() {
        // the check value of CRC-64/NVME (the SDK computes it only with the CRT library, which the tests do without)
        var crc = new Checksums.Crc64Nvme();
        crc.update("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9);
        assertEquals(0xae8b14860a799888L, crc.getValue());
        var running = Checksums.of("x-amz-checksum-crc64nvme");
        running.update(java.nio.ByteBuffer.wrap("123456789".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(java.util.Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(8).putLong(0xae8b14860a799888L).array()),
                running.base64());
    }

    private HttpResponse<String> send(SdkHttpRequest signed, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(signed.getUri().toString().replace("https:", "http:"))).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        Set<String> restricted = Set.of("host", "content-length", "expect", "connection");
        signed.forEachHeader((name, values) -> {
            if (!restricted.contains(name.toLowerCase())) {
                values.forEach(v -> b.header(name, v));
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
