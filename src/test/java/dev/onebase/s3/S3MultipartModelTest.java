package dev.onebase.s3;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * CompleteMultipartUpload links the parts to the object without writing their bytes again (the parts' large objects,
 * page for page, become the object's segments), and the object so made reads, ranges, versions and purges as any file.
 */
@QuarkusTest
class S3MultipartModelTest {

    private static final int MIB = 1024 * 1024;

    @Inject
    S3Server server;

    /** Every large-object page of the tenant as "oid:page:xmin": a page written again gets a new xmin, a copy a new oid. */
    private static String pages(TestApi.Tenant t) {
        return String.valueOf(Db.value("""
                select coalesce(string_agg(p.loid::text || ':' || p.pageno || ':' || p.xmin::text, ',' order by p.loid, p.pageno), '')
                  from pg_largeobject p where p.loid::int8 in (select lo_oid from file_large_objects where tenant_id = ?)
                """, t.id()));
    }

    @Test
    void completeLinksThePartsWithoutCopyingAndTheObjectReadsAcrossThem() throws Exception {
        TestApi.Tenant tenant = TestApi.signup();
        S3Client s3 = S3Clients.client(server.port(), S3Clients.key(tenant));
        s3.createBucket(b -> b.bucket("linked"));
        byte[][] parts = {new byte[5 * MIB], new byte[5 * MIB + 3], new byte[MIB / 2 + 11]};
        for (int i = 0; i < parts.length; i++) {
            new Random(10 + i).nextBytes(parts[i]);
        }
        byte[] whole = new byte[parts[0].length + parts[1].length + parts[2].length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, whole, at, p.length);
            at += p.length;
        }
        String id = s3.createMultipartUpload(b -> b.bucket("linked").key("big.bin")).uploadId();
        CompletedPart[] done = new CompletedPart[parts.length];
        for (int i = 0; i < parts.length; i++) {
            int n = i + 1;
            String etag = s3.uploadPart(b -> b.bucket("linked").key("big.bin").uploadId(id).partNumber(n), RequestBody.fromBytes(parts[n - 1])).eTag();
            done[i] = CompletedPart.builder().partNumber(n).eTag(etag).build();
        }
        String before = pages(tenant);
        assertTrue(before.split(",").length >= whole.length / 2048, "the parts are in large objects: " + before.length());

        s3.completeMultipartUpload(b -> b.bucket("linked").key("big.bin").uploadId(id).multipartUpload(CompletedMultipartUpload.builder().parts(done).build()));

        // not one large-object page was written: same objects, same pages, same row versions
        assertEquals(before, pages(tenant));
        assertEquals("segments", Db.value("select storage from files where tenant_id = ? and name = 'big.bin'", tenant.id()));
        assertEquals(3L, Db.count("select count(*) from file_segments where tenant_id = ?", tenant.id()));
        assertEquals(0L, Db.count("select count(*) from files where tenant_id = ? and folder like '.s3-uploads/%'", tenant.id()));

        // whole, and ranges across the part boundaries, over S3 and over the file routes
        assertArrayEquals(whole, s3.getObjectAsBytes(b -> b.bucket("linked").key("big.bin")).asByteArray());
        long b1 = parts[0].length;
        long b2 = b1 + parts[1].length;
        for (long[] r : List.of(new long[] {b1 - 5, b1 + 4}, new long[] {b1 - 1, b2}, new long[] {3, whole.length - 2}, new long[] {b2, b2})) {
            byte[] got = s3.getObjectAsBytes(b -> b.bucket("linked").key("big.bin").range("bytes=" + r[0] + "-" + r[1])).asByteArray();
            assertArrayEquals(Arrays.copyOfRange(whole, (int) r[0], (int) r[1] + 1), got, "S3 range " + r[0] + "-" + r[1]);
        }
        String fileId = String.valueOf(Db.value("select id from files where tenant_id = ? and name = 'big.bin'", tenant.id()));
        byte[] viaRoutes = as(tenant).header("Range", "bytes=" + (b1 - 7) + "-" + (b2 + 9)).get("/api/v1/files/" + fileId + "/content")
                .then().statusCode(206).extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(whole, (int) b1 - 7, (int) b2 + 10), viaRoutes);
        assertArrayEquals(whole, as(tenant).get("/api/v1/files/" + fileId + "/content").then().statusCode(200).extract().asByteArray());

        // the quota counts it once; an overwrite keeps it as version 1, which restores (its objects copied) and reads back
        assertEquals((long) whole.length, Db.count("select coalesce(sum(size), 0) from files where tenant_id = ?", tenant.id()));
        s3.putObject(b -> b.bucket("linked").key("big.bin"), RequestBody.fromString("small now"));
        assertArrayEquals(whole, s3.getObjectAsBytes(b -> b.bucket("linked").key("big.bin").versionId("1")).asByteArray());
        as(tenant).post("/api/v1/files/" + fileId + "/versions/1/restore").then().statusCode(200);
        assertArrayEquals(whole, s3.getObjectAsBytes(b -> b.bucket("linked").key("big.bin")).asByteArray());

        // purged for good: every large object of it goes, and the orphan listing never offered a segment's
        assertEquals(0L, Db.count("""
                select count(*) from admin_orphan_large_objects(100000) o where o in (select lo_oid from file_segments where tenant_id = ?)
                """, tenant.id()));
        as(tenant).delete("/api/v1/files/" + fileId + "?purge=true").then().statusCode(204);
        assertEquals(0L, Db.count("select count(*) from file_large_objects where tenant_id = ?", tenant.id()));
        assertEquals(0L, Db.count("select count(*) from file_segments where tenant_id = ?", tenant.id()));
        assertEquals("", pages(tenant));
    }
}
