package dev.onebase.job;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import dev.onebase.job.JobRunner.Status;
import io.quarkus.scheduler.Scheduled.ConcurrentExecution;
import io.quarkus.scheduler.Scheduler;
import io.smallrye.mutiny.Uni;

/**
 * Puts a runner's enabled jobs on the Quarkus scheduler. A cron job fires at the times it names and its tick is that
 * time. An interval job is checked a few times per interval ({@link Schedule#checkEvery()}) and each check offers the
 * tick the moment falls in; the runner turns the repeated offers into one run per tick across replicas.
 */
public final class JobScheduling {

    private static final Logger LOG = Logger.getLogger(JobScheduling.class);

    private JobScheduling() {
    }

    /** Schedules every enabled job as {@code idPrefix + name}; returns the ids. */
    public static List<String> schedule(Scheduler scheduler, JobRunner runner, String idPrefix, String zone) {
        List<String> ids = new ArrayList<>();
        for (String name : runner.names()) {
            JobSettings s = runner.settings(name).orElseThrow();
            if (!s.enabled()) {
                LOG.infof("job %s is disabled", name);
                continue;
            }
            String id = idPrefix + name;
            Scheduler.JobDefinition<?> def = scheduler.newJob(id).setConcurrentExecution(ConcurrentExecution.PROCEED);
            Schedule schedule = s.schedule();
            if (schedule.isCron()) {
                def.setCron(schedule.cron()).setTimeZone(zone)
                        .setAsyncTask(ex -> offer(runner, name, ex.getScheduledFireTime().truncatedTo(ChronoUnit.SECONDS)));
            } else {
                def.setInterval(schedule.checkEvery().toString()).setAsyncTask(ex -> offer(runner, name, schedule.tickOf(Instant.now())));
            }
            try {
                def.schedule();
            } catch (RuntimeException e) {
                throw new IllegalStateException("onebase.jobs." + name + ".schedule '" + schedule.text() + "': " + e.getMessage(), e);
            }
            ids.add(id);
            LOG.infof("job %s scheduled on %s: %s (timeout %s)", name, runner.replica(), schedule.text(), s.timeout());
        }
        return ids;
    }

    public static void unschedule(Scheduler scheduler, List<String> ids) {
        for (String id : ids) {
            try {
                scheduler.unscheduleJob(id);
            } catch (RuntimeException e) {
                // the scheduler may already be stopping
            }
        }
    }

    private static Uni<Void> offer(JobRunner runner, String name, Instant tick) {
        return runner.tick(name, tick)
                .invoke(a -> {
                    if (a.status() != Status.STARTED) {
                        LOG.debugf("job %s: tick %s on %s: %s", name, tick, runner.replica(), a.status());
                    }
                })
                .onFailure().invoke(e -> LOG.warnf("job %s: tick %s could not start on %s: %s", name, tick, runner.replica(), e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
