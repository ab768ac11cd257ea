package dev.onebase.s3;

import java.net.URI;

import dev.onebase.testsupport.TestApi;
import io.restassured.http.ContentType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** AWS SDK clients (path style, endpoint override) for a tenant's fresh S3 access key. */
final class S3Clients {

    record Key(String id, String secret) {
    }

    private S3Clients() {
    }

    static Key key(TestApi.Tenant tenant) {
        var r = TestApi.as(tenant).contentType(ContentType.JSON).body("{\"name\":\"sdk\"}").post("/api/v1/keys/s3").then().statusCode(201).extract();
        return new Key(r.path("key.accessKeyId"), r.path("secretAccessKey"));
    }

    static URI endpoint(int port) {
        return URI.create("http://127.0.0.1:" + port);
    }

    static S3Client client(int port, Key key) {
        return S3Client.builder().endpointOverride(endpoint(port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.id(), key.secret())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }

    static S3Presigner presigner(int port, Key key) {
        return S3Presigner.builder().endpointOverride(endpoint(port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.id(), key.secret())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }
}
