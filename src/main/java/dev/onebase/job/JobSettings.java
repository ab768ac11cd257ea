package dev.onebase.job;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.Config;

/**
 * One job's effective settings: {@code onebase.jobs.<name>.schedule}, {@code .enabled} and {@code .timeout} (env
 * {@code ONEBASE_JOBS_<NAME>_SCHEDULE}... with the name upper-cased and '-' as '_'), defaulting to the job's own.
 *
 * <p>Read through {@link Config} rather than a {@code @ConfigMapping}: the keys are named after job beans that only
 * exist at run time, including jobs other features add.
 */
public record JobSettings(Schedule schedule, boolean enabled, Duration timeout) {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    public static JobSettings of(Job job, Config config) {
        String name = job.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalStateException("job " + job.getClass().getName() + " has an invalid name '" + name
                    + "': use 1-63 characters of a-z, 0-9 and '-'");
        }
        String prefix = "onebase.jobs." + name + ".";
        String scheduleText = config.getOptionalValue(prefix + "schedule", String.class).orElse(job.defaultSchedule());
        Schedule schedule;
        try {
            schedule = Schedule.parse(scheduleText);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(prefix + "schedule: " + e.getMessage(), e);
        }
        boolean enabled = config.getOptionalValue(prefix + "enabled", Boolean.class).orElse(true);
        Optional<String> timeoutText = config.getOptionalValue(prefix + "timeout", String.class);
        Duration timeout = job.defaultTimeout();
        if (timeoutText.isPresent()) {
            try {
                Schedule asInterval = Schedule.parse(timeoutText.get());
                if (asInterval.isCron()) {
                    throw new IllegalArgumentException("not a duration");
                }
                timeout = asInterval.interval();
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(prefix + "timeout must be a duration like 30s, 10m or PT1H: " + e.getMessage(), e);
            }
        }
        return new JobSettings(schedule, enabled, timeout);
    }
}
