package dev.onebase.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Per job: {@code onebase.job.duration} (timer, tags job and outcome), {@code onebase.job.failures} (counter: failed
 * and timed-out runs) and {@code onebase.job.last.success} (gauge, epoch seconds of the last successful end known to
 * this replica; NaN before any). On /q/metrics: onebase_job_duration_seconds_*, onebase_job_failures_total,
 * onebase_job_last_success_seconds.
 */
final class JobMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> lastSuccessMillis = new ConcurrentHashMap<>();

    JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void register(String job) {
        AtomicLong holder = lastSuccessMillis.computeIfAbsent(job, j -> new AtomicLong());
        if (registry == null) {
            return;
        }
        Gauge.builder("onebase.job.last.success", holder, h -> h.get() == 0 ? Double.NaN : h.get() / 1000.0)
                .description("When the job last succeeded (epoch seconds)").baseUnit("seconds").tag("job", job)
                .strongReference(true).register(registry);
        failures(job);
    }

    /** A success seen in the history (another replica's, or before this one started) moves the gauge forward too. */
    void sawSuccess(String job, Instant at) {
        AtomicLong holder = lastSuccessMillis.get(job);
        if (holder != null && at != null) {
            holder.accumulateAndGet(at.toEpochMilli(), Math::max);
        }
    }

    void record(String job, String outcome, Duration took, Instant finishedAt) {
        if ("succeeded".equals(outcome)) {
            sawSuccess(job, finishedAt);
        }
        if (registry == null) {
            return;
        }
        Timer.builder("onebase.job.duration").description("How long runs of the job took").tag("job", job).tag("outcome", outcome)
                .register(registry).record(took.toNanos(), TimeUnit.NANOSECONDS);
        if ("failed".equals(outcome) || "timed_out".equals(outcome)) {
            failures(job).increment();
        }
    }

    private Counter failures(String job) {
        return Counter.builder("onebase.job.failures").description("Runs of the job that failed or timed out").tag("job", job)
                .register(registry);
    }
}
