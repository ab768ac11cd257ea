package dev.onebase.tenant;

import static dev.onebase.testsupport.TestApi.as;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Eight tenants hammer the API at once through a pool of two connections (the %test pool size), so every pooled
 * connection serves every tenant over and over; no answer may ever carry another tenant's data.
 */
@QuarkusTest
class TenantIsolationTest {

    private static final int TENANTS = 8;
    private static final int OPERATIONS = 3000;

    @Test
    void interleavedReadsAndWritesNeverCrossTenants() throws Exception {
        List<Tenant> tenants = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            Tenant t = TestApi.signup("iso-" + i + "-" + System.nanoTime());
            TestApi.asAdmin().contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}")
                    .put("/admin/tenants/" + t.id() + "/plan").then().statusCode(200);
            as(t).contentType(ContentType.JSON).body("{\"name\":\"" + t.slug() + "\"}").post("/api/v1/keys").then().statusCode(201);
            tenants.add(t);
        }
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger writes = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < OPERATIONS; i++) {
            long seed = i;
            futures.add(pool.submit(() -> oneOperation(tenants, new Random(seed), violations, writes)));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertTrue(violations.isEmpty(), () -> violations.size() + " cross-tenant answers, e.g. " + violations.peek());
        assertTrue(writes.get() > OPERATIONS / 4, "the mix must include writes");
    }

    private static void oneOperation(List<Tenant> tenants, Random random, ConcurrentLinkedQueue<String> violations, AtomicInteger writes) {
        Tenant t = tenants.get(random.nextInt(tenants.size()));
        switch (random.nextInt(3)) {
            case 0 -> {
                writes.incrementAndGet();
                Response r = as(t).contentType(ContentType.JSON)
                        .body("{\"settings\":{\"owner\":\"" + t.slug() + "\",\"n\":" + random.nextInt(1000) + "}}")
                        .patch("/api/v1/tenant");
                check(t, r, violations);
            }
            case 1 -> check(t, as(t).get("/api/v1/tenant"), violations);
            default -> {
                Response r = as(t).get("/api/v1/keys");
                if (r.statusCode() != 200) {
                    violations.add("status " + r.statusCode() + " for " + t.slug());
                    return;
                }
                List<String> names = r.jsonPath().getList("name");
                for (String name : names) {
                    if (!name.equals("initial") && !name.equals(t.slug())) {
                        violations.add(t.slug() + " saw key " + name);
                    }
                }
            }
        }
    }

    private static void check(Tenant t, Response r, ConcurrentLinkedQueue<String> violations) {
        if (r.statusCode() != 200) {
            violations.add("status " + r.statusCode() + " for " + t.slug() + ": " + r.asString());
            return;
        }
        if (!t.id().toString().equals(r.path("id")) || !t.slug().equals(r.path("slug"))) {
            violations.add(t.slug() + " got tenant " + r.path("slug"));
        }
        Map<String, Object> settings = r.path("settings");
        Object owner = settings.get("owner");
        if (owner != null && !owner.equals(t.slug())) {
            violations.add(t.slug() + " got settings of " + owner);
        }
    }
}
