package dev.onebase.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;

class ScheduleTest {

    @Test
    void intervalsAndCronsParse() {
        assertEquals(Duration.ofMinutes(15), Schedule.parse("15m").interval());
        assertEquals(Duration.ofMinutes(15), Schedule.parse("PT15M").interval());
        assertEquals(Duration.ofDays(1), Schedule.parse("1d").interval());
        assertEquals(Duration.ofSeconds(2), Schedule.parse(" 2s ").interval());
        assertTrue(Schedule.parse("0 30 3 * * ?").isCron());
        assertTrue(Schedule.parse("0 0 4 ? * MON 2030").isCron());
        assertFalse(Schedule.parse("1h").isCron());
    }

    @Test
    void badSchedulesAreRefusedWithAReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.parse("1s")).getMessage().contains("shorter than 2s"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.parse("2500ms")).getMessage().contains("whole number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.parse("every day")).getMessage().contains("neither"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.parse("* * * * *")).getMessage().contains("Quartz"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.parse("PT")).getMessage().contains("ISO-8601"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse(null));
    }

    @Test
    void intervalTicksAreTheSameInstantOnEveryReplica() {
        Schedule s = Schedule.parse("15m");
        Instant tick = Instant.parse("2030-01-01T10:15:00Z");
        assertEquals(tick, s.tickOf(Instant.parse("2030-01-01T10:15:00Z")));
        assertEquals(tick, s.tickOf(Instant.parse("2030-01-01T10:22:13.5Z")));
        assertEquals(tick, s.tickOf(Instant.parse("2030-01-01T10:29:59.999Z")));
        assertEquals(Instant.parse("2030-01-01T10:30:00Z"), s.nextTickAfter(Instant.parse("2030-01-01T10:22:13Z")));
        // checked often enough that a late check still lands in the tick
        assertEquals(Duration.ofSeconds(15), s.checkEvery());
        assertEquals(Duration.ofSeconds(1), Schedule.parse("2s").checkEvery());
        assertEquals(Duration.ofSeconds(5), Schedule.parse("10s").checkEvery());
    }

    @Test
    void settingsComeFromConfigurationWithTheJobsDefaults() {
        Job job = new Job() {
            public String name() {
                return "sweep-things";
            }

            public String defaultSchedule() {
                return "1m";
            }

            public Uni<JobResult> run(JobContext context) {
                return Uni.createFrom().item(JobResult.rows(0));
            }
        };
        JobSettings defaults = JobSettings.of(job, config(Map.of()));
        assertEquals(Duration.ofMinutes(1), defaults.schedule().interval());
        assertTrue(defaults.enabled());
        assertEquals(Duration.ofMinutes(30), defaults.timeout());

        JobSettings configured = JobSettings.of(job, config(Map.of("onebase.jobs.sweep-things.schedule", "0 0 * * * ?",
                "onebase.jobs.sweep-things.enabled", "false", "onebase.jobs.sweep-things.timeout", "90s")));
        assertEquals("0 0 * * * ?", configured.schedule().cron());
        assertFalse(configured.enabled());
        assertEquals(Duration.ofSeconds(90), configured.timeout());

        IllegalStateException bad = assertThrows(IllegalStateException.class,
                () -> JobSettings.of(job, config(Map.of("onebase.jobs.sweep-things.schedule", "sometimes"))));
        assertTrue(bad.getMessage().startsWith("onebase.jobs.sweep-things.schedule: "), bad.getMessage());
        IllegalStateException badTimeout = assertThrows(IllegalStateException.class,
                () -> JobSettings.of(job, config(Map.of("onebase.jobs.sweep-things.timeout", "0 0 * * * ?"))));
        assertTrue(badTimeout.getMessage().startsWith("onebase.jobs.sweep-things.timeout"), badTimeout.getMessage());
    }

    @Test
    void jobNamesMustBeKebabCase() {
        Job badName = new Job() {
            public String name() {
                return "Sweep Things";
            }

            public String defaultSchedule() {
                return "1m";
            }

            public Uni<JobResult> run(JobContext context) {
                return Uni.createFrom().nullItem();
            }
        };
        assertThrows(IllegalStateException.class, () -> JobSettings.of(badName, config(Map.of())));
    }

    private static Config config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withDefaultValues(values).build();
    }
}
