package dev.onebase.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/** ListObjectsV2 and v1 over many keys: pages, continuation tokens, start-after, markers and rolled-up prefixes, all in byte order. */
@QuarkusTest
class S3ListingTest {

    @Inject
    S3Server server;

    @Test
    void pagesOverManyKeysRollUpFoldersAndResumeWhereTheyStopped() {
        TestApi.Tenant tenant = TestApi.signup();
        S3Client s3 = S3Clients.client(server.port(), S3Clients.key(tenant));
        s3.createBucket(b -> b.bucket("many"));
        // 3,000 keys in 50 folders, 200 at the top, and some that sort around the delimiter ('-' < '/' < '0')
        Db.update("""
                insert into files (tenant_id, folder, name, content_type, size, sha256, storage, content)
                select ?, 'many/d' || lpad((i % 50)::text, 2, '0') || '/', 'k' || lpad(i::text, 5, '0'), 'text/plain', 1, sha256('x'::bytea), 'bytea', 'x'::bytea
                  from generate_series(1, 3000) i
                union all
                select ?, 'many/', 'top' || lpad(i::text, 4, '0'), 'text/plain', 1, sha256('x'::bytea), 'bytea', 'x'::bytea from generate_series(1, 200) i
                union all
                select ?, 'many/', n, 'text/plain', 1, sha256('x'::bytea), 'bytea', 'x'::bytea from unnest(array['d07-x', 'd070', 'd07']) n
                """, tenant.id(), tenant.id(), tenant.id());
        TreeSet<String> keys = new TreeSet<>();
        for (int i = 1; i <= 3000; i++) {
            keys.add(String.format("d%02d/k%05d", i % 50, i));
        }
        for (int i = 1; i <= 200; i++) {
            keys.add(String.format("top%04d", i));
        }
        keys.addAll(List.of("d07-x", "d070", "d07"));

        // with the delimiter: folders rolled up, pages of 37 across files and prefixes
        TreeSet<String> expected = new TreeSet<>();
        keys.forEach(k -> expected.add(k.contains("/") ? k.substring(0, k.indexOf('/') + 1) : k));
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String t = token;
            ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket("many").delimiter("/").maxKeys(37).continuationToken(t));
            page.contents().forEach(o -> seen.add(o.key()));
            page.commonPrefixes().forEach(p -> seen.add(p.prefix()));
            assertTrue(page.keyCount() <= 37);
            token = page.isTruncated() ? page.nextContinuationToken() : null;
            pages++;
        } while (token != null);
        assertEquals(new ArrayList<>(expected), seen.stream().sorted().toList());
        assertEquals(expected.size(), seen.size(), "no entry twice");
        assertEquals((expected.size() + 36) / 37, pages);

        // a prefix, no delimiter, paged; start-after inside it
        List<String> d07 = keys.stream().filter(k -> k.startsWith("d07/")).toList();
        List<String> got = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket("many").prefix("d07/").maxKeys(7)).contents().forEach(o -> got.add(o.key()));
        assertEquals(d07, got);
        assertEquals(d07.subList(3, 8), s3.listObjectsV2(b -> b.bucket("many").prefix("d07/").startAfter(d07.get(2)).maxKeys(5)).contents().stream()
                .map(S3Object::key).toList());
        // the prefix "d07" with the delimiter: the file d07, the folder d07/, then d07-x... in byte order
        var around = s3.listObjectsV2(b -> b.bucket("many").prefix("d07").delimiter("/"));
        assertEquals(List.of("d07", "d07-x", "d070"), around.contents().stream().map(S3Object::key).toList());
        assertEquals(List.of("d07/"), around.commonPrefixes().stream().map(CommonPrefix::prefix).toList());

        // v1: marker after a key inside a rolled-up folder resumes after the whole folder
        var v1 = s3.listObjects(b -> b.bucket("many").delimiter("/").marker("d12/k00012").maxKeys(2));
        assertEquals(List.of("d13/", "d14/"), v1.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
        assertTrue(v1.isTruncated());
    }
}
