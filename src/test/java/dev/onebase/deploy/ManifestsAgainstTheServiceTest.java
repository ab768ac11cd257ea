package dev.onebase.deploy;

import static dev.onebase.deploy.Manifests.at;
import static dev.onebase.deploy.Manifests.map;
import static dev.onebase.deploy.Manifests.str;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.onebase.db.EmbeddedDatabaseResource;
import dev.onebase.deploy.Manifests.Container;
import dev.onebase.deploy.Manifests.Doc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The manifests against the running service: the paths they probe answer, the Ingress lets the largest file through. */
@QuarkusTest
@QuarkusTestResource(EmbeddedDatabaseResource.class)
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
    void theIngressBodyLimitFitsTheLargestFileAPlanAllows() throws SQLException {
        Map<String, String> db = EmbeddedDatabaseResource.properties();
        String url = "jdbc:postgresql://" + db.get("onebase.db.host") + ":" + db.get("onebase.db.port") + "/" + db.get("onebase.db.name");
        long largest;
        try (Connection c = DriverManager.getConnection(url, db.get("onebase.db.superuser"), db.get("onebase.db.superuser-password"));
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select max(max_file_bytes) from plans")) {
            rs.next();
            largest = rs.getLong(1);
        }
        assertTrue(largest > 0);
        for (Doc ingress : Manifests.load().kind("Ingress")) {
            long limit = ManifestTest.bodyLimit(ingress);
            assertTrue(limit >= largest, ingress + ": proxy-body-size " + limit + " is below the largest plan file size " + largest
                    + " (" + str(ingress.body(), "metadata", "name") + ")");
        }
    }
}
