package dev.onebase.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Virtual-host style: with {@code onebase.s3.domain} set (the test profile: s3.onebase.test), the AWS SDK with path
 * style off addresses {@code bucket.s3.onebase.test}; every such name resolves to this machine through the client's
 * own DNS resolver, so the request carries the bucket in its Host header, signed, as it would against S3.
 */
@QuarkusTest
class S3VirtualHostTest {

    @Inject
    S3Server server;

    @Test
    void bucketsAddressedByHostNameWorkBesidePathStyle() {
        TestApi.Tenant tenant = TestApi.signup();
        S3Clients.Key key = S3Clients.key(tenant);
        List<String> hosts = new java.util.concurrent.CopyOnWriteArrayList<>();
        S3Client vhost = S3Client.builder().endpointOverride(URI.create("http://s3.onebase.test:" + server.port())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.id(), key.secret())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(false).build())
                .httpClient(Apache5HttpClient.builder().dnsResolver(new org.apache.hc.client5.http.SystemDefaultDnsResolver() {
                    @Override
                    public InetAddress[] resolve(String host) {
                        hosts.add(host);
                        return new InetAddress[] {InetAddress.getLoopbackAddress()};
                    }
                }).build())
                .build();
        vhost.createBucket(b -> b.bucket("vhost-bucket"));
        vhost.putObject(b -> b.bucket("vhost-bucket").key("dir/one.txt").contentType("text/plain"), RequestBody.fromString("one"));
        assertEquals("one", vhost.getObjectAsBytes(b -> b.bucket("vhost-bucket").key("dir/one.txt")).asUtf8String());
        assertEquals(List.of("dir/one.txt"), vhost.listObjectsV2(b -> b.bucket("vhost-bucket")).contents().stream().map(S3Object::key).toList());
        assertTrue(hosts.contains("vhost-bucket.s3.onebase.test"), hosts.toString());

        // the same object path style, and as a file
        S3Client path = S3Clients.client(server.port(), key);
        assertEquals("one", path.getObjectAsBytes(b -> b.bucket("vhost-bucket").key("dir/one.txt")).asUtf8String());
        TestApi.as(tenant).get("/api/v1/files?folder=vhost-bucket/dir").then().statusCode(200);
        vhost.deleteObject(b -> b.bucket("vhost-bucket").key("dir/one.txt"));
        assertTrue(path.listObjectsV2(b -> b.bucket("vhost-bucket")).contents().isEmpty());
    }
}
