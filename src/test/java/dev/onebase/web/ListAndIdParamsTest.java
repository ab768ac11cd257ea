package dev.onebase.web;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi.Tenant;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every list route reads its page size the same way ({@link ListParams}) and every UUID path id the same way
 * ({@link Ids}): a malformed one is a 400 problem, never a 404 or a 500. Before, {@code /api/v1/files?limit=abc}
 * answered 404 and a malformed file id 404 while a malformed key id answered 400.
 */
@QuarkusTest
class ListAndIdParamsTest {

    @Test
    void aPageSizeThatIsNotANumberIsABadRequestOnEveryListRoute() {
        Tenant t = TestApi.signup();
        for (String path : new String[] { "/api/v1/files?limit=abc", "/api/v1/files/search?q=a&limit=abc" }) {
            problem(as(t).get(path).then(), 400, "limit must be a number");
        }
        problem(as(t).get("/api/v1/cache?count=abc").then(), 400, "count must be a number");
        for (String path : new String[] { "/admin/tenants?limit=abc", "/admin/usage?limit=abc", "/admin/jobs/refresh-stats/runs?limit=abc",
                "/admin/backups?limit=abc", "/admin/backups/restore-tests?limit=abc" }) {
            problem(asAdmin().get(path).then(), 400, "limit must be a number");
        }
    }

    @Test
    void aPageSizeOutOfRangeIsABadRequest() {
        Tenant t = TestApi.signup();
        problem(as(t).get("/api/v1/files?limit=0").then(), 400, "limit must be between 1 and");
        problem(asAdmin().get("/admin/backups?limit=1001").then(), 400, "limit must be between 1 and 1000");
        problem(asAdmin().get("/admin/tenants?limit=501").then(), 400, "limit must be between 1 and 500");
    }

    @Test
    void aMalformedUuidInAPathIsABadRequestEverywhere() {
        Tenant t = TestApi.signup();
        for (String path : new String[] { "/api/v1/files/not-a-uuid", "/api/v1/files/not-a-uuid/content", "/api/v1/files/not-a-uuid/versions" }) {
            problem(as(t).get(path).then(), 400, "Not a valid UUID");
        }
        problem(as(t).delete("/api/v1/keys/not-a-uuid").then(), 400, "Not a valid UUID");
        problem(asAdmin().get("/admin/tenants/not-a-uuid").then(), 400, "Not a valid UUID");
    }
}
