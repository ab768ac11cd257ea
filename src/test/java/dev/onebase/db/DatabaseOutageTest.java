package dev.onebase.db;

import static dev.onebase.testsupport.TestApi.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.EmbeddedDatabaseResource;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;

/** With the database down the API answers 503 with a problem body and readiness fails; both recover with it. */
@QuarkusTest
class DatabaseOutageTest {

    @Test
    void anUnreachableDatabaseIs503AndTheServiceRecovers() {
        Tenant t = TestApi.signup();
        as(t).get("/api/v1/tenant").then().statusCode(200);
        // fast, not immediate: the test cluster runs with fsync and synchronous_commit off, so a crash could lose the
        // rows other tests wrote; a fast shutdown still cuts every pooled connection
        pgCtl("stop", "-m", "fast");
        try {
            as(t).get("/api/v1/tenant").then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "5").body("status", equalTo(503));
            given().get("/q/health/ready").then().statusCode(503);
        } finally {
            Map<String, String> p = EmbeddedDatabaseResource.properties();
            Path log = Path.of(p.get("onebase.db.data-dir")).getParent().resolve("postgres.log");
            pgCtl("start", "-l", log.toString(), "-o", "-p " + p.get("onebase.db.port"));
        }
        // pooled connections that died with the server are replaced as they are next used
        Eventually.until("the API and readiness to answer 200 again",
                () -> as(t).get("/api/v1/tenant").statusCode() == 200 && given().get("/q/health/ready").statusCode() == 200);
        as(t).get("/api/v1/tenant").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static void pgCtl(String... args) {
        Map<String, String> p = EmbeddedDatabaseResource.properties();
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(p.get("onebase.db.bin-dir"), "pg_ctl").toString(),
                "-D", p.get("onebase.db.data-dir"), "-w", "-t", "60"));
        cmd.addAll(List.of(args));
        String osUser = EmbeddedPostgres.serverOsUser();
        Processes.run(cmd, osUser, 90);
    }
}
