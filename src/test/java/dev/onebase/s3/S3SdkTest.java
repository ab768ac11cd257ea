package dev.onebase.s3;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The S3 endpoint through the AWS SDK for Java v2: buckets, objects as files, listings, copies, deletes. */
@QuarkusTest
class S3SdkTest {

    @Inject
    S3Server server;

    @Inject
    S3AbandonedUploadsJob abandoned;

    TestApi.Tenant tenant;
    S3Client s3;

    @BeforeEach
    void setUp() {
        tenant = TestApi.signup();
        s3 = S3Clients.client(server.port(), S3Clients.key(tenant));
    }

    @Test
    void bucketsCanBeCreatedListedHeadedAndDeleted() {
        s3.createBucket(b -> b.bucket("photos"));
        s3.createBucket(b -> b.bucket("docs"));
        assertEquals(List.of("docs", "photos"), s3.listBuckets().buckets().stream().map(Bucket::name).toList());
        s3.headBucket(b -> b.bucket("photos"));
        assertEquals("", s3.getBucketLocation(b -> b.bucket("photos")).locationConstraintAsString());
        S3Exception again = assertThrows(S3Exception.class, () -> s3.createBucket(b -> b.bucket("photos")));
        assertEquals("BucketAlreadyOwnedByYou", again.awsErrorDetails().errorCode());

        s3.putObject(b -> b.bucket("photos").key("a.txt"), RequestBody.fromString("a"));
        S3Exception notEmpty = assertThrows(S3Exception.class, () -> s3.deleteBucket(b -> b.bucket("photos")));
        assertEquals("BucketNotEmpty", notEmpty.awsErrorDetails().errorCode());
        s3.deleteBucket(b -> b.bucket("docs"));
        assertThrows(NoSuchBucketException.class, () -> s3.listObjectsV2(b -> b.bucket("docs")));
        assertEquals(404, assertThrows(S3Exception.class, () -> s3.headBucket(b -> b.bucket("docs"))).statusCode());
    }

    @Test
    void anObjectPutOverS3IsAFileAndTheOtherWayRound() throws Exception {
        s3.createBucket(b -> b.bucket("shared"));
        byte[] body = "hello over s3".getBytes(StandardCharsets.UTF_8);
        String md5 = java.util.Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
        var put = s3.putObject(b -> b.bucket("shared").key("notes/hello.txt").contentType("text/plain").contentMD5(md5)
                .contentDisposition("attachment; filename=\"hi.txt\"").cacheControl("max-age=60").contentEncoding("identity")
                .metadata(Map.of("owner", "alice")), RequestBody.fromBytes(body));
        assertEquals("\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)) + "\"", put.eTag());

        // the file API sees it at bucket/key
        String listed = as(tenant).get("/api/v1/files?folder=shared/notes").then().statusCode(200).extract().asString();
        assertTrue(listed.contains("\"path\":\"shared/notes/hello.txt\""), listed);

        ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("shared").key("notes/hello.txt"));
        assertArrayEquals(body, got.asByteArray());
        assertEquals("text/plain", got.response().contentType());
        assertEquals("attachment; filename=\"hi.txt\"", got.response().contentDisposition());
        assertEquals("max-age=60", got.response().cacheControl());
        assertEquals("identity", got.response().contentEncoding());
        assertEquals(Map.of("owner", "alice"), got.response().metadata());
        assertEquals(put.eTag(), got.response().eTag());

        // a file uploaded through /api/v1/files is an object; its ETag is its SHA-256
        as(tenant).contentType("text/plain").body("from the file api").put("/api/v1/files/shared/api.txt").then().statusCode(201);
        var viaApi = s3.getObjectAsBytes(b -> b.bucket("shared").key("api.txt"));
        assertEquals("from the file api", viaApi.asUtf8String());
        assertEquals(66, viaApi.response().eTag().length());

        // a bad Content-MD5 stores nothing
        S3Exception bad = assertThrows(S3Exception.class, () -> s3.putObject(b -> b.bucket("shared").key("bad.txt").contentMD5(md5),
                RequestBody.fromString("other content")));
        assertEquals("BadDigest", bad.awsErrorDetails().errorCode());
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket("shared").key("bad.txt")));
        assertThrows(NoSuchKeyException.class, () -> s3.getObject(b -> b.bucket("shared").key("missing.txt")));
        assertThrows(NoSuchBucketException.class, () -> s3.putObject(b -> b.bucket("nowhere").key("x"), RequestBody.fromString("x")));
    }

    @Test
    void getHonoursRangesConditionsAndOverrides() {
        s3.createBucket(b -> b.bucket("ranges"));
        var put = s3.putObject(b -> b.bucket("ranges").key("digits.txt").contentType("text/plain"), RequestBody.fromString("0123456789"));
        assertEquals("234", s3.getObjectAsBytes(b -> b.bucket("ranges").key("digits.txt").range("bytes=2-4")).asUtf8String());
        assertEquals("789", s3.getObjectAsBytes(b -> b.bucket("ranges").key("digits.txt").range("bytes=-3")).asUtf8String());
        S3Exception range = assertThrows(S3Exception.class, () -> s3.getObject(b -> b.bucket("ranges").key("digits.txt").range("bytes=20-30")));
        assertEquals(416, range.statusCode());
        assertEquals("InvalidRange", range.awsErrorDetails().errorCode());

        S3Exception ifMatch = assertThrows(S3Exception.class, () -> s3.getObject(b -> b.bucket("ranges").key("digits.txt").ifMatch("\"nope\"")));
        assertEquals(412, ifMatch.statusCode());
        S3Exception notModified = assertThrows(S3Exception.class, () -> s3.getObject(b -> b.bucket("ranges").key("digits.txt").ifNoneMatch(put.eTag())));
        assertEquals(304, notModified.statusCode());
        S3Exception unmodified = assertThrows(S3Exception.class, () -> s3.getObject(b -> b.bucket("ranges").key("digits.txt")
                .ifUnmodifiedSince(java.time.Instant.now().minusSeconds(3600))));
        assertEquals(412, unmodified.statusCode());
        assertEquals(304, assertThrows(S3Exception.class, () -> s3.getObject(b -> b.bucket("ranges").key("digits.txt")
                .ifModifiedSince(java.time.Instant.now().plusSeconds(60)))).statusCode());
        assertEquals("0123456789", s3.getObjectAsBytes(b -> b.bucket("ranges").key("digits.txt").ifMatch(put.eTag())).asUtf8String());

        var overridden = s3.getObjectAsBytes(b -> b.bucket("ranges").key("digits.txt").responseContentType("application/x-digits")
                .responseContentDisposition("inline").responseCacheControl("no-store"));
        assertEquals("application/x-digits", overridden.response().contentType());
        assertEquals("inline", overridden.response().contentDisposition());
        assertEquals("no-store", overridden.response().cacheControl());
        var head = s3.headObject(b -> b.bucket("ranges").key("digits.txt"));
        assertEquals(10L, head.contentLength());
        assertEquals(put.eTag(), head.eTag());
    }

    @Test
    void listingsPageAndRollUpPrefixes() {
        s3.createBucket(b -> b.bucket("list"));
        for (String k : List.of("a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d.txt", "e/4.txt")) {
            s3.putObject(b -> b.bucket("list").key(k), RequestBody.fromString(k));
        }
        ListObjectsV2Response all = s3.listObjectsV2(b -> b.bucket("list"));
        assertEquals(List.of("a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d.txt", "e/4.txt"), all.contents().stream().map(S3Object::key).toList());
        ListObjectsV2Response top = s3.listObjectsV2(b -> b.bucket("list").delimiter("/"));
        assertEquals(List.of("a.txt", "d.txt"), top.contents().stream().map(S3Object::key).toList());
        assertEquals(List.of("b/", "e/"), top.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
        ListObjectsV2Response inB = s3.listObjectsV2(b -> b.bucket("list").prefix("b/").delimiter("/"));
        assertEquals(List.of("b/1.txt", "b/2.txt"), inB.contents().stream().map(S3Object::key).toList());
        assertEquals(List.of("b/c/"), inB.commonPrefixes().stream().map(CommonPrefix::prefix).toList());

        ListObjectsV2Response page1 = s3.listObjectsV2(b -> b.bucket("list").maxKeys(2));
        assertTrue(page1.isTruncated());
        assertEquals(List.of("a.txt", "b/1.txt"), page1.contents().stream().map(S3Object::key).toList());
        ListObjectsV2Response page2 = s3.listObjectsV2(b -> b.bucket("list").maxKeys(2).continuationToken(page1.nextContinuationToken()));
        assertEquals(List.of("b/2.txt", "b/c/3.txt"), page2.contents().stream().map(S3Object::key).toList());
        assertEquals(List.of("d.txt", "e/4.txt"), s3.listObjectsV2(b -> b.bucket("list").startAfter("b/c/3.txt")).contents().stream()
                .map(S3Object::key).toList());
        // the paginator walks every page
        assertEquals(6, s3.listObjectsV2Paginator(b -> b.bucket("list").maxKeys(1)).contents().stream().count());

        var v1 = s3.listObjects(b -> b.bucket("list").delimiter("/").marker("a.txt"));
        assertEquals(List.of("d.txt"), v1.contents().stream().map(S3Object::key).toList());
        assertEquals(List.of("b/", "e/"), v1.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    }

    @Test
    void deletesAreSoftAndCopiesKeepMetadata() {
        s3.createBucket(b -> b.bucket("dels"));
        s3.putObject(b -> b.bucket("dels").key("one.txt").metadata(Map.of("k", "v")).contentType("text/plain"), RequestBody.fromString("one"));
        s3.putObject(b -> b.bucket("dels").key("two.txt"), RequestBody.fromString("two"));
        s3.putObject(b -> b.bucket("dels").key("three.txt"), RequestBody.fromString("three"));

        var copied = s3.copyObject(b -> b.sourceBucket("dels").sourceKey("one.txt").destinationBucket("dels").destinationKey("copy/one.txt"));
        var copy = s3.getObjectAsBytes(b -> b.bucket("dels").key("copy/one.txt"));
        assertEquals("one", copy.asUtf8String());
        assertEquals(Map.of("k", "v"), copy.response().metadata());
        assertEquals("text/plain", copy.response().contentType());
        assertEquals(copied.copyObjectResult().eTag(), copy.response().eTag());

        s3.deleteObject(b -> b.bucket("dels").key("one.txt"));
        s3.deleteObject(b -> b.bucket("dels").key("never-there.txt"));
        assertThrows(NoSuchKeyException.class, () -> s3.getObject(b -> b.bucket("dels").key("one.txt")));
        // a soft delete: the file API lists it in the folder's trash
        String trash = as(tenant).get("/api/v1/files?folder=dels&deleted=true").then().statusCode(200).extract().asString();
        assertTrue(trash.contains("one.txt"), trash);

        var result = s3.deleteObjects(b -> b.bucket("dels").delete(Delete.builder().objects(ObjectIdentifier.builder().key("two.txt").build(),
                ObjectIdentifier.builder().key("three.txt").build()).build()));
        assertEquals(2, result.deleted().size());
        assertEquals(List.of("copy/one.txt"), s3.listObjectsV2(b -> b.bucket("dels")).contents().stream().map(S3Object::key).toList());
    }

    @Test
    void versionsAreOnebaseVersions() {
        s3.createBucket(b -> b.bucket("vers"));
        s3.putObject(b -> b.bucket("vers").key("doc.txt"), RequestBody.fromString("first"));
        var second = s3.putObject(b -> b.bucket("vers").key("doc.txt"), RequestBody.fromString("second"));
        assertEquals("2", second.versionId());
        assertEquals("Enabled", s3.getBucketVersioning(b -> b.bucket("vers")).statusAsString());
        var versions = s3.listObjectVersions(b -> b.bucket("vers"));
        assertEquals(List.of("2", "1"), versions.versions().stream().map(x -> x.versionId()).toList());
        assertTrue(versions.versions().get(0).isLatest());
        assertEquals("first", s3.getObjectAsBytes(b -> b.bucket("vers").key("doc.txt").versionId("1")).asUtf8String());
        assertEquals("second", s3.getObjectAsBytes(b -> b.bucket("vers").key("doc.txt")).asUtf8String());
        S3Exception none = assertThrows(S3Exception.class, () -> s3.getObject(b -> b.bucket("vers").key("doc.txt").versionId("9")));
        assertEquals("NoSuchVersion", none.awsErrorDetails().errorCode());
    }

    @Test
    void multipartUploadsJoinPartsWithoutLosingAByte() throws Exception {
        s3.createBucket(b -> b.bucket("multi"));
        byte[] part1 = new byte[5 * 1024 * 1024];
        byte[] part2 = new byte[1024 * 1024 + 17];
        new Random(1).nextBytes(part1);
        new Random(2).nextBytes(part2);
        String id = s3.createMultipartUpload(b -> b.bucket("multi").key("big.bin").contentType("application/x-big").metadata(Map.of("m", "1"))).uploadId();
        assertEquals(List.of("big.bin"), s3.listMultipartUploads(b -> b.bucket("multi")).uploads().stream().map(u -> u.key()).toList());
        String e1 = s3.uploadPart(b -> b.bucket("multi").key("big.bin").uploadId(id).partNumber(1), RequestBody.fromBytes(part1)).eTag();
        String e2 = s3.uploadPart(b -> b.bucket("multi").key("big.bin").uploadId(id).partNumber(2), RequestBody.fromBytes(part2)).eTag();
        assertEquals(List.of(1, 2), s3.listParts(b -> b.bucket("multi").key("big.bin").uploadId(id)).parts().stream().map(p -> p.partNumber()).toList());
        var done = s3.completeMultipartUpload(b -> b.bucket("multi").key("big.bin").uploadId(id).multipartUpload(CompletedMultipartUpload.builder()
                .parts(CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build()).build()));
        MessageDigest md5s = MessageDigest.getInstance("MD5");
        md5s.update(MessageDigest.getInstance("MD5").digest(part1));
        md5s.update(MessageDigest.getInstance("MD5").digest(part2));
        assertEquals("\"" + HexFormat.of().formatHex(md5s.digest()) + "-2\"", done.eTag());

        var got = s3.getObjectAsBytes(b -> b.bucket("multi").key("big.bin"));
        byte[] whole = new byte[part1.length + part2.length];
        System.arraycopy(part1, 0, whole, 0, part1.length);
        System.arraycopy(part2, 0, whole, part1.length, part2.length);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(whole), MessageDigest.getInstance("SHA-256").digest(got.asByteArray()));
        assertEquals("application/x-big", got.response().contentType());
        assertEquals(Map.of("m", "1"), got.response().metadata());
        assertEquals(done.eTag(), got.response().eTag());
        // stored as the parts' segments (no byte copied), parts gone
        assertEquals("segments", dev.onebase.testsupport.Db.value("select storage from files where tenant_id = ? and name = 'big.bin'", tenant.id()));
        assertEquals(0L, dev.onebase.testsupport.Db.count("select count(*) from files where tenant_id = ? and folder like '.s3-uploads/%'", tenant.id()));
        assertTrue(s3.listMultipartUploads(b -> b.bucket("multi")).uploads().isEmpty());

        // a part too small (not last) is refused; an aborted upload leaves nothing
        String small = s3.createMultipartUpload(b -> b.bucket("multi").key("small.bin")).uploadId();
        String s1 = s3.uploadPart(b -> b.bucket("multi").key("small.bin").uploadId(small).partNumber(1), RequestBody.fromString("tiny")).eTag();
        String s2 = s3.uploadPart(b -> b.bucket("multi").key("small.bin").uploadId(small).partNumber(2), RequestBody.fromString("tiny")).eTag();
        S3Exception tooSmall = assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(b -> b.bucket("multi").key("small.bin").uploadId(small)
                .multipartUpload(CompletedMultipartUpload.builder().parts(CompletedPart.builder().partNumber(1).eTag(s1).build(),
                        CompletedPart.builder().partNumber(2).eTag(s2).build()).build())));
        assertEquals("EntityTooSmall", tooSmall.awsErrorDetails().errorCode());
        s3.abortMultipartUpload(b -> b.bucket("multi").key("small.bin").uploadId(small));
        assertEquals(0L, dev.onebase.testsupport.Db.count("select count(*) from files where tenant_id = ? and folder like '.s3-uploads/%'", tenant.id()));
        S3Exception gone = assertThrows(S3Exception.class, () -> s3.listParts(b -> b.bucket("multi").key("small.bin").uploadId(small)));
        assertEquals("NoSuchUpload", gone.awsErrorDetails().errorCode());
        assertFalse(s3.listBuckets().buckets().stream().anyMatch(b -> b.name().startsWith(".")));
    }

    @Test
    void partsCanBeCopiedAndAbandonedUploadsAreCleanedByTheJob() {
        s3.createBucket(b -> b.bucket("copies"));
        byte[] source = new byte[6 * 1024 * 1024];
        new Random(4).nextBytes(source);
        s3.putObject(b -> b.bucket("copies").key("source.bin"), RequestBody.fromBytes(source));
        String id = s3.createMultipartUpload(b -> b.bucket("copies").key("joined.bin")).uploadId();
        String p1 = s3.uploadPartCopy(b -> b.sourceBucket("copies").sourceKey("source.bin").destinationBucket("copies").destinationKey("joined.bin")
                .uploadId(id).partNumber(1).copySourceRange("bytes=0-5242879")).copyPartResult().eTag();
        String p2 = s3.uploadPart(b -> b.bucket("copies").key("joined.bin").uploadId(id).partNumber(2), RequestBody.fromString("tail")).eTag();
        s3.completeMultipartUpload(b -> b.bucket("copies").key("joined.bin").uploadId(id).multipartUpload(CompletedMultipartUpload.builder()
                .parts(CompletedPart.builder().partNumber(1).eTag(p1).build(), CompletedPart.builder().partNumber(2).eTag(p2).build()).build()));
        byte[] joined = s3.getObjectAsBytes(b -> b.bucket("copies").key("joined.bin")).asByteArray();
        assertEquals(5 * 1024 * 1024 + 4, joined.length);
        assertArrayEquals(java.util.Arrays.copyOf(source, 5 * 1024 * 1024), java.util.Arrays.copyOf(joined, 5 * 1024 * 1024));

        String stale = s3.createMultipartUpload(b -> b.bucket("copies").key("stale.bin")).uploadId();
        s3.uploadPart(b -> b.bucket("copies").key("stale.bin").uploadId(stale).partNumber(1), RequestBody.fromString("left behind"));
        String fresh = s3.createMultipartUpload(b -> b.bucket("copies").key("fresh.bin")).uploadId();
        dev.onebase.testsupport.Db.passTime("s3_uploads", java.time.Duration.ofDays(8), "id = ?::uuid", stale);
        var result = abandoned.run(new dev.onebase.job.JobContext() {
            @Override
            public long runId() {
                return 1;
            }

            @Override
            public String replica() {
                return "test";
            }

            @Override
            public boolean cancelled() {
                return false;
            }

            @Override
            public void progress(long done, long total) {
            }
        }).await().atMost(java.time.Duration.ofSeconds(60));
        assertTrue(result.rowsAffected() >= 1, result.toString());
        assertEquals(List.of(fresh), s3.listMultipartUploads(b -> b.bucket("copies")).uploads().stream().map(u -> u.uploadId()).toList());
        assertEquals(0L, dev.onebase.testsupport.Db.count("select count(*) from files where tenant_id = ? and folder = ?", tenant.id(),
                ".s3-uploads/" + stale + "/"));
    }
}
