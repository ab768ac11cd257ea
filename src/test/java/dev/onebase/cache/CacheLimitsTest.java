package dev.onebase.cache;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The plan's cache limits (free: 512-byte keys, 1 MiB values, 10,000 entries): 413 / 507, nothing half written. */
@QuarkusTest
class CacheLimitsTest {

    static final String C = "/api/v1/cache/";

    @Test
    void keyAndValueSizeFollowThePlan() {
        Tenant t = TestApi.signup();
        String longKey = "k".repeat(513);
        problem(as(t).body("x").put(C + longKey).then(), 413, "the free plan allows 512").body("title", equalTo("Content Too Large"));
        as(t).body("x").put(C + "k".repeat(512)).then().statusCode(204);
        byte[] big = new byte[1024 * 1024 + 1];
        problem(as(t).contentType("application/octet-stream").body(big).put(C + "big").then(), 413, "the free plan allows 1048576");
        as(t).get(C + "big").then().statusCode(404);
        as(t).contentType("application/octet-stream").body(new byte[1024 * 1024]).put(C + "big").then().statusCode(204);
        problem(as(t).post(C + longKey + "/incr").then(), 413, "512");
        // an oversized entry in a batch stops the whole batch
        problem(as(t).contentType(ContentType.JSON).body("{\"entries\":[{\"key\":\"ok\",\"value\":\"1\"},{\"key\":\"" + longKey
                + "\",\"value\":\"1\"}]}").post(C + "_batch/set").then(), 413, "512");
        as(t).get(C + "ok").then().statusCode(404);
        // a bigger plan has bigger limits
        TestApi.asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"pro\"}").put("/admin/tenants/" + t.id() + "/plan").then().statusCode(200);
        as(t).body("x").put(C + longKey).then().statusCode(204);
    }

    @Test
    void theEntryLimitIsExactAndAllOrNothing() throws Exception {
        Tenant t = TestApi.signup();
        for (int batch = 0; batch < 10; batch++) {
            StringBuilder body = new StringBuilder("{\"entries\":[");
            for (int i = 0; i < 1000; i++) {
                body.append(i == 0 ? "" : ",").append("{\"key\":\"k").append(batch * 1000 + i).append("\",\"value\":\"v\"}");
            }
            as(t).contentType(ContentType.JSON).body(body + "]}").post(C + "_batch/set").then().statusCode(204);
        }
        problem(as(t).body("x").put(C + "one-more").then(), 507, "number of cache entries").body("title", equalTo("Insufficient Storage"));
        problem(as(t).post(C + "new-counter/incr").then(), 507, "number of cache entries");
        // overwriting an existing key needs no new entry
        as(t).body("changed").put(C + "k5").then().statusCode(204);
        as(t).post(C + "k6/incr").then().statusCode(409);
        // a batch with one new key among existing ones is refused whole: the existing key keeps its value
        problem(as(t).contentType(ContentType.JSON).body("{\"entries\":[{\"key\":\"k7\",\"value\":\"new\"},{\"key\":\"brand-new\",\"value\":\"x\"}]}")
                .post(C + "_batch/set").then(), 507, "number of cache entries");
        as(t).get(C + "k7").then().statusCode(200).body(equalTo("v"));
        try (Connection c = Db.superuser()) {
            assertEquals(10_000, Db.count(c, "select entries from cache_usage where tenant_id = ?", t.id()));
            assertEquals(10_000, Db.count(c, "select count(*) from cache_entries where tenant_id = ?", t.id()));
        }
        // deleting makes room again
        as(t).delete(C + "k1").then().statusCode(204);
        as(t).body("x").put(C + "one-more").then().statusCode(204);
        as(t).delete("/api/v1/cache").then().statusCode(200).body("count", equalTo(10_000));
        try (Connection c = Db.superuser()) {
            assertEquals(0, Db.count(c, "select entries from cache_usage where tenant_id = ?", t.id()));
        }
    }
}
