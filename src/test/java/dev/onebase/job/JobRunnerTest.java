package dev.onebase.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.onebase.job.JobRecords.RunView;
import dev.onebase.job.JobRunner.Attempt;
import dev.onebase.job.JobRunner.Status;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/** Two runners (two replicas) on one database, driven tick by tick and by the real scheduler. */
@QuarkusTest
class JobRunnerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Vertx vertx;
    @Inject
    Config config;
    @Inject
    Scheduler scheduler;
    @Inject
    JobHistory history;

    private final List<JobRunner> runners = new ArrayList<>();

    @AfterEach
    void stopRunners() {
        runners.forEach(r -> r.shutdown(Duration.ofSeconds(5)));
    }

    /** A job that counts its runs per tick (from its own point of view, independent of job_runs). */
    static final class CountingJob implements Job {
        final String name = "test-count-" + UUID.randomUUID().toString().substring(0, 8);
        final Map<Long, AtomicInteger> runsPerRunId = new ConcurrentHashMap<>();
        final AtomicInteger runs = new AtomicInteger();
        volatile Function<JobContext, Uni<JobResult>> body = ctx -> Uni.createFrom().item(JobResult.rows(1));

        @Override
        public String name() {
            return name;
        }

        @Override
        public String defaultSchedule() {
            return "2s";
        }

        @Override
        public Uni<JobResult> run(JobContext context) {
            runs.incrementAndGet();
            runsPerRunId.computeIfAbsent(context.runId(), id -> new AtomicInteger()).incrementAndGet();
            return body.apply(context);
        }
    }

    private JobRunner runner(String replica, Job job, Duration timeout, String schedule) {
        JobRunner r = new JobRunner(vertx, dev.onebase.db.DedicatedConnections.options(config, "onebase-jobs"), replica,
                Map.of(job, new JobSettings(Schedule.parse(schedule), true, timeout)), new SimpleMeterRegistry());
        runners.add(r);
        return r;
    }

    private static Attempt await(Uni<Attempt> attempt) {
        return attempt.await().atMost(WAIT);
    }

    private static RunView finished(Attempt attempt) {
        return attempt.finished().await().atMost(WAIT);
    }

    @Test
    void eachTickRunsOnceAcrossTwoRunnersNeverTwiceNeverZero() {
        CountingJob job = new CountingJob();
        JobRunner a = runner("replica-a", job, Duration.ofMinutes(1), "2s");
        JobRunner b = runner("replica-b", job, Duration.ofMinutes(1), "2s");
        Instant base = Instant.parse("2030-01-01T00:00:00Z");
        for (int i = 0; i < 20; i++) {
            Instant tick = base.plusSeconds(2L * i);
            // both replicas fire for the tick at the same moment
            List<Attempt> both = Uni.join().all(a.tick(job.name, tick), b.tick(job.name, tick)).andFailFast().await().atMost(WAIT);
            List<Attempt> started = both.stream().filter(x -> x.status() == Status.STARTED).toList();
            assertEquals(1, started.size(), "tick " + i + ": exactly one replica starts it, got " + both);
            assertEquals("succeeded", finished(started.get(0)).outcome());
            // a replica whose check comes late (after the run ended and the lock is free) still does not run it again
            assertEquals(Status.ALREADY_RAN, await(b.tick(job.name, tick)).status());
            assertEquals(Status.ALREADY_RAN, await(a.tick(job.name, tick)).status());
        }
        assertEquals(20, job.runs.get());
        assertEquals(20, Db.count("select count(distinct tick) from job_runs where job = ? and outcome = 'succeeded'", job.name));
        assertEquals(20, Db.count("select count(*) from job_runs where job = ?", job.name));

        // one replica goes away: the other runs every tick on its own
        a.shutdown(Duration.ofSeconds(5));
        for (int i = 20; i < 25; i++) {
            Attempt only = await(b.tick(job.name, base.plusSeconds(2L * i)));
            assertEquals(Status.STARTED, only.status());
            assertEquals("replica-b", finished(only).replica());
        }
        assertEquals(Status.STOPPED, await(a.tick(job.name, base.plusSeconds(100))).status());
        assertEquals(25, job.runs.get());
    }

    @Test
    void aFreshReplicaDoesNotRerunATickAnotherAlreadyRan() {
        CountingJob job = new CountingJob();
        JobRunner a = runner("replica-a", job, Duration.ofMinutes(1), "2s");
        Instant tick = Instant.parse("2030-02-01T00:00:00Z");
        finished(await(a.tick(job.name, tick)));
        // b has never seen the tick locally: only the claim in job_runs stops it
        JobRunner b = runner("replica-b", job, Duration.ofMinutes(1), "2s");
        assertEquals(Status.ALREADY_RAN, await(b.tick(job.name, tick)).status());
        assertEquals(1, job.runs.get());
    }

    @Test
    void theRealSchedulerDrivingTwoRunnersRunsEveryTickOnce() throws Exception {
        CountingJob job = new CountingJob();
        JobRunner a = runner("sched-a", job, Duration.ofMinutes(1), "2s");
        JobRunner b = runner("sched-b", job, Duration.ofMinutes(1), "2s");
        List<String> ids = new ArrayList<>();
        ids.addAll(JobScheduling.schedule(scheduler, a, "test-a:", "UTC"));
        ids.addAll(JobScheduling.schedule(scheduler, b, "test-b:", "UTC"));
        try {
            Eventually.until("five finished runs", () -> Db.count("select count(*) from job_runs where job = ? and outcome <> 'running'", job.name) >= 5);
            JobScheduling.unschedule(scheduler, ids.subList(0, 1)); // replica a stops scheduling
            long before = Db.count("select count(*) from job_runs where job = ?", job.name);
            Eventually.until("three more finished runs from replica b alone",
                    () -> Db.count("select count(*) from job_runs where job = ? and outcome <> 'running'", job.name) >= before + 3);
        } finally {
            JobScheduling.unschedule(scheduler, ids);
        }
        a.shutdown(Duration.ofSeconds(5));
        b.shutdown(Duration.ofSeconds(5));
        TreeMap<Instant, Integer> ticks = new TreeMap<>();
        try (var c = Db.superuser(); var ps = c.prepareStatement("select tick, count(*) from job_runs where job = ? group by tick")) {
            ps.setString(1, job.name);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    ticks.put(rs.getTimestamp(1).toInstant(), rs.getInt(2));
                }
            }
        }
        // never twice: one row per tick, and the job itself saw each run once
        ticks.forEach((tick, n) -> assertEquals(1, n, "tick " + tick));
        job.runsPerRunId.forEach((id, n) -> assertEquals(1, n.get(), "run " + id));
        assertEquals(ticks.size(), job.runs.get());
        // never zero: from the first tick to the last, every 2 s tick ran, including after one replica stopped
        Instant first = ticks.firstKey();
        long expected = ChronoUnit.SECONDS.between(first, ticks.lastKey()) / 2 + 1;
        assertEquals(expected, ticks.size(), "ticks " + ticks.keySet());
    }

    @Test
    void aRunHoldingTheLockMakesOtherAttemptsBusyOnBothReplicas() {
        CountingJob job = new CountingJob();
        CompletableFuture<Void> release = new CompletableFuture<>();
        job.body = ctx -> Uni.createFrom().completionStage(release).replaceWith(JobResult.rows(1));
        JobRunner a = runner("replica-a", job, Duration.ofMinutes(1), "2s");
        JobRunner b = runner("replica-b", job, Duration.ofMinutes(1), "2s");
        Attempt manual = await(a.trigger(job.name));
        assertEquals(Status.STARTED, manual.status());
        assertEquals(Status.BUSY, await(a.trigger(job.name)).status(), "no overlap on the same replica");
        assertEquals(Status.BUSY, await(b.trigger(job.name)).status(), "no second run on another replica");
        assertEquals(Status.BUSY, await(b.tick(job.name, Instant.parse("2030-03-01T00:00:00Z"))).status());
        release.complete(null);
        assertEquals("succeeded", finished(manual).outcome());
        // the tick that found the lock taken was skipped, not postponed
        assertEquals(Status.ALREADY_RAN, await(b.tick(job.name, Instant.parse("2030-03-01T00:00:00Z"))).status());
        assertEquals(Status.STARTED, await(b.trigger(job.name)).status());
        assertEquals(2, job.runs.get());
    }

    @Test
    void aFailingJobIsRecordedAndTheNextTickStillRuns() {
        CountingJob job = new CountingJob();
        job.body = ctx -> Uni.createFrom().failure(new IllegalStateException("boom: table is gone"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        JobRunner a = new JobRunner(vertx, dev.onebase.db.DedicatedConnections.options(config, "onebase-jobs"), "replica-a",
                Map.of(job, new JobSettings(Schedule.parse("2s"), true, Duration.ofMinutes(1))), meters);
        runners.add(a);
        RunView failed = finished(await(a.tick(job.name, Instant.parse("2030-04-01T00:00:00Z"))));
        assertEquals("failed", failed.outcome());
        assertEquals("IllegalStateException: boom: table is gone", failed.error());
        assertEquals(1.0, meters.get("onebase.job.failures").tag("job", job.name).counter().count());
        assertTrue(Double.isNaN(meters.get("onebase.job.last.success").tag("job", job.name).gauge().value()));

        job.body = ctx -> { throw new IllegalArgumentException("thrown, not returned"); };
        RunView thrown = finished(await(a.tick(job.name, Instant.parse("2030-04-01T00:00:02Z"))));
        assertEquals("failed", thrown.outcome());
        assertEquals("IllegalArgumentException: thrown, not returned", thrown.error());

        job.body = ctx -> Uni.createFrom().item(new JobResult(3, 42, "fine again"));
        RunView ok = finished(await(a.tick(job.name, Instant.parse("2030-04-01T00:00:04Z"))));
        assertEquals("succeeded", ok.outcome());
        assertEquals(3, ok.rowsAffected());
        assertEquals(42, ok.bytesWritten());
        assertEquals("fine again", ok.detail());
        assertNull(ok.error());
        assertEquals(2.0, meters.get("onebase.job.failures").tag("job", job.name).counter().count());
        assertEquals(1, meters.get("onebase.job.duration").tag("job", job.name).tag("outcome", "succeeded").timer().count());
        assertEquals(ok.finishedAt().toInstant().toEpochMilli() / 1000.0,
                meters.get("onebase.job.last.success").tag("job", job.name).gauge().value(), 0.001);
    }

    @Test
    void aRunPastItsTimeoutIsCancelledAndRecorded() {
        CountingJob job = new CountingJob();
        AtomicInteger sawCancel = new AtomicInteger();
        job.body = ctx -> Uni.createFrom().<JobResult>nothing().onCancellation().invoke(() -> {
            if (ctx.cancelled()) {
                sawCancel.incrementAndGet();
            }
        });
        JobRunner a = runner("replica-a", job, Duration.ofMillis(300), "2s");
        RunView run = finished(await(a.trigger(job.name)));
        assertEquals("timed_out", run.outcome());
        assertEquals("ran longer than its timeout of PT0.3S", run.error());
        assertEquals(1, sawCancel.get(), "the job's work was cancelled after cancelled() turned true");
        // the lock is free again
        job.body = ctx -> Uni.createFrom().item(JobResult.rows(0));
        assertEquals("succeeded", finished(await(a.trigger(job.name))).outcome());
    }

    @Test
    void shutdownLetsAJobFinishWithinTheGraceThenCancelsAndRecords() {
        CountingJob polite = new CountingJob();
        // a job that stops at its next safe point once asked
        polite.body = ctx -> Uni.createFrom().item(JobResult.rows(5)).repeat().until(x -> !ctx.cancelled())
                .collect().last().onItem().delayIt().by(Duration.ofMillis(10));
        CountingJob stubborn = new CountingJob();
        stubborn.body = ctx -> Uni.createFrom().nothing();

        JobRunner politeRunner = runner("replica-p", polite, Duration.ofMinutes(1), "2s");
        JobRunner stubbornRunner = runner("replica-s", stubborn, Duration.ofMinutes(1), "2s");
        Attempt p = await(politeRunner.trigger(polite.name));
        Attempt s = await(stubbornRunner.trigger(stubborn.name));

        politeRunner.shutdown(Duration.ofSeconds(20));
        assertEquals("succeeded", finished(p).outcome());
        stubbornRunner.shutdown(Duration.ofMillis(200));
        RunView cancelled = finished(s);
        assertEquals("cancelled", cancelled.outcome());
        assertEquals("cancelled: the service shut down while it ran", cancelled.error());
        assertEquals("cancelled", Db.value("select outcome from job_runs where id = ?", cancelled.id()));
        assertEquals(Status.STOPPED, await(stubbornRunner.trigger(stubborn.name)).status());
    }

    @Test
    void theHistoryShowsARunAsRunningOnlyWhileItsLockIsHeld() {
        CountingJob job = new CountingJob();
        CompletableFuture<Void> release = new CompletableFuture<>();
        job.body = ctx -> Uni.createFrom().completionStage(release).replaceWith(JobResult.rows(1));
        Db.update("insert into job_runs (job, replica, trigger) values (?, 'dead-replica', 'manual')", job.name);
        assertNull(history.summaries(List.of(job.name)).await().atMost(WAIT).get(job.name).running(),
                "a row left by a dead replica is not shown as running");
        JobRunner a = runner("replica-a", job, Duration.ofMinutes(1), "2s");
        Attempt started = await(a.trigger(job.name));
        RunView running = history.summaries(List.of(job.name)).await().atMost(WAIT).get(job.name).running();
        assertEquals(started.run().id(), running.id());
        assertEquals("replica-a", running.replica());
        release.complete(null);
        finished(started);
        assertNull(history.summaries(List.of(job.name)).await().atMost(WAIT).get(job.name).running());
    }

    @Test
    void aRunLeftRunningByADeadReplicaIsMarkedAbandoned() {
        CountingJob job = new CountingJob();
        long dead = ((Number) Db.value("insert into job_runs (job, replica, trigger) values (?, 'dead-replica', 'manual') returning id",
                job.name)).longValue();
        JobRunner a = runner("replica-a", job, Duration.ofMinutes(1), "2s");
        assertEquals("succeeded", finished(await(a.trigger(job.name))).outcome());
        assertEquals("abandoned", Db.value("select outcome from job_runs where id = ?", dead));
    }
}
