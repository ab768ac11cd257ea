package dev.onebase.deploy;

import static dev.onebase.deploy.Manifests.at;
import static dev.onebase.deploy.Manifests.map;
import static dev.onebase.deploy.Manifests.str;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.onebase.deploy.Manifests.Container;
import dev.onebase.deploy.Manifests.Doc;
import dev.onebase.testsupport.Db;
import io.quarkus.test.junit.QuarkusTest;

/** The manifests against the running service: the paths they probe answer, the Ingress lets the largest file through. */
@QuarkusTest
class ManifestsAgainstTheServiceTest {

    @Test
    void everyProbedPathAnswers200() {
        Set<String> paths = new TreeSet<>();
        for (Container c : Manifests.load().containers()) {
            for (String probe : new String[] { "startupProbe", "livenessProbe", "readinessProbe" }) {
                String path = str(c.spec(), probe, "httpGet", "path");
                if (path != null) {
                    paths.add(path);
                }
            }
            Object metrics = map(at(c.workload().body(), "spec", "template", "metadata", "annotations")).get("prometheus.io/path");
            if (metrics != null) {
                paths.add(String.valueOf(metrics));
            }
        }
        assertFalse(paths.isEmpty());
        for (String path : paths) {
            given().get(path).then().statusCode(200);
        }
    }

    @Test
    void theIngressBodyLimitFitsTheLargestFileAPlanAllows() {
        long largest = Db.count("select max(max_file_bytes) from plans");
        assertTrue(largest > 0);
        for (Doc ingress : Manifests.load().kind("Ingress")) {
            long limit = ManifestTest.bodyLimit(ingress);
            assertTrue(limit >= largest, ingress + ": proxy-body-size " + limit + " is below the largest plan file size " + largest
                    + " (" + str(ingress.body(), "metadata", "name") + ")");
        }
    }
}
