package dev.onebase.job;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job's schedule: a Quartz-style cron ({@code 0 0 3 * * ?}) or an interval ({@code 30s}, {@code 15m}, {@code 1h},
 * {@code 1d}, or ISO-8601 {@code PT15M}).
 *
 * <p>Every run of a scheduled job belongs to a <em>tick</em>, the same instant on every replica: for a cron, the
 * time the cron names; for an interval, the multiple of the interval since the epoch. Replicas that fire for the same
 * tick compete for it, and one run per tick is recorded.
 */
public record Schedule(String text, Duration interval, String cron) {

    /** Below this an interval is refused: the scheduler checks once a second and ticks must not be missed. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(2);

    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    public static Schedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a schedule is required: a cron like '0 0 3 * * ?' or an interval like '15m'");
        }
        String t = text.trim();
        Duration interval = interval(t);
        if (interval != null) {
            if (interval.compareTo(MIN_INTERVAL) < 0) {
                throw new IllegalArgumentException("interval '" + t + "' is shorter than " + MIN_INTERVAL.toSeconds() + "s");
            }
            if (interval.toMillis() % 1000 != 0) {
                throw new IllegalArgumentException("interval '" + t + "' must be a whole number of seconds");
            }
            return new Schedule(t, interval, null);
        }
        int fields = t.split("\\s+").length;
        if (fields < 6 || fields > 7) {
            throw new IllegalArgumentException("'" + t + "' is neither an interval (30s, 15m, 1h, 1d) nor a Quartz cron "
                    + "(6 or 7 fields: second minute hour day-of-month month day-of-week [year])");
        }
        return new Schedule(t, null, t);
    }

    private static Duration interval(String t) {
        Matcher m = SHORT.matcher(t.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                return Duration.parse(t);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("'" + t + "' is not an ISO-8601 duration");
            }
        }
        return null;
    }

    public boolean isCron() {
        return cron != null;
    }

    /**
     * How often the scheduler checks an interval job: twice per interval at least, at most every 15 s, so that
     * every tick is seen by every live replica even when a check comes a little late.
     */
    public Duration checkEvery() {
        Duration half = interval.dividedBy(2);
        Duration max = Duration.ofSeconds(15);
        Duration every = half.compareTo(max) > 0 ? max : half;
        return every.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : every.truncatedTo(ChronoUnit.SECONDS);
    }

    /** The interval tick {@code now} falls in. */
    public Instant tickOf(Instant now) {
        long size = interval.toMillis();
        long ms = now.toEpochMilli();
        return Instant.ofEpochMilli(Math.floorDiv(ms, size) * size);
    }

    /** The interval tick after the one {@code now} falls in. */
    public Instant nextTickAfter(Instant now) {
        return tickOf(now).plus(interval);
    }
}
