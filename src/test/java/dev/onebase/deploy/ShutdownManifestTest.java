package dev.onebase.deploy;

import static dev.onebase.deploy.Manifests.at;
import static dev.onebase.deploy.Manifests.list;
import static dev.onebase.deploy.Manifests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.onebase.deploy.Manifests.Container;

/**
 * Kubernetes must let a shutdown finish: every workload's pod leaves the endpoints first (a preStop sleep), and its
 * terminationGracePeriodSeconds covers that sleep plus the service's own shutdown deadline, which in turn covers the
 * readiness delay, the grace of in-flight requests and the grace of running jobs (docs/deploy.md#shutdown).
 */
class ShutdownManifestTest {

    @Test
    void theTerminationGracePeriodCoversTheServicesShutdown() {
        ConfigSurface app = ConfigSurface.load();
        List<Container> containers = Manifests.load().containers();
        assertFalse(containers.isEmpty());
        for (Container c : containers) {
            String where = c.workload().toString();
            List<Object> preStop = list(c.spec(), "lifecycle", "preStop", "exec", "command");
            assertEquals(2, preStop.size(), where + ": a preStop sleep");
            assertEquals("sleep", preStop.get(0), where + ": a preStop sleep");
            long sleep = Long.parseLong(String.valueOf(preStop.get(1)));
            assertTrue(sleep >= 1, where + ": the preStop sleep");
            Duration delay = setting(app, c, "quarkus.shutdown.delay");
            Duration grace = setting(app, c, "quarkus.shutdown.timeout");
            Duration jobs = setting(app, c, "onebase.jobs.shutdown-grace");
            Duration deadline = setting(app, c, "onebase.shutdown.deadline");
            assertTrue(deadline.compareTo(delay.plus(grace).plus(jobs)) >= 0,
                    where + ": the shutdown deadline " + deadline + " is shorter than delay + grace + job grace");
            long period = Long.parseLong(str(at(c.workload().body(), "spec", "template", "spec"), "terminationGracePeriodSeconds"));
            assertTrue(period >= sleep + deadline.toSeconds(), where + ": terminationGracePeriodSeconds " + period
                    + " < preStop " + sleep + " + shutdown deadline " + deadline.toSeconds());
        }
    }

    /** The container's environment variable for the setting when it sets one, else application.properties' default. */
    private static Duration setting(ConfigSurface app, Container c, String property) {
        String raw = app.values.get(property);
        assertTrue(raw != null, property + " is not in application.properties");
        Matcher m = Pattern.compile("^\\$\\{([A-Z0-9_]+):([^}]*)}$").matcher(raw);
        String value = raw;
        if (m.matches()) {
            value = c.env().getOrDefault(m.group(1), m.group(2));
        }
        String direct = c.env().get(ConfigSurface.envOf(property));
        if (direct != null) {
            value = direct;
        }
        return Duration.parse("PT" + value.toUpperCase());
    }
}
