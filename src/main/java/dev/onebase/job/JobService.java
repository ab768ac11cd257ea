package dev.onebase.job;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import dev.onebase.db.DedicatedConnections;
import dev.onebase.db.ReplicaId;
import dev.onebase.db.StartupWork;
import dev.onebase.job.JobRecords.JobView;
import dev.onebase.job.JobRecords.RunPage;
import dev.onebase.job.JobRecords.RunView;
import dev.onebase.job.JobRecords.RunningView;
import dev.onebase.job.JobRunner.Attempt;
import dev.onebase.web.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.scheduler.Trigger;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Finds every {@link Job} bean, builds this replica's {@link JobRunner} and puts each enabled job on the Quarkus
 * scheduler: a cron fires at the times it names, an interval job is checked a few times per interval and runs the
 * tick the moment falls in. The runner makes each tick run once across replicas. On shutdown the schedules stop and
 * running jobs get {@code onebase.jobs.shutdown-grace} to finish before they are cancelled.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);
    private static final String ID_PREFIX = "onebase-job:";

    private final Instance<Job> beans;
    private final Scheduler scheduler;
    private final Vertx vertx;
    private final Config config;
    private final MeterRegistry registry;
    private final JobHistory history;
    private final StartupWork startup;
    private final List<String> scheduled = new ArrayList<>();
    private JobRunner runner;
    private boolean schedulerEnabled;
    private Duration shutdownGrace;

    public JobService(Instance<Job> beans, Scheduler scheduler, Vertx vertx, Config config, MeterRegistry registry, JobHistory history,
            StartupWork startup) {
        this.startup = startup;
        this.beans = beans;
        this.scheduler = scheduler;
        this.vertx = vertx;
        this.config = config;
        this.registry = registry;
        this.history = history;
    }

    @PostConstruct
    void init() {
        Map<Job, JobSettings> jobs = new LinkedHashMap<>();
        for (Job job : beans) {
            jobs.put(job, JobSettings.of(job, config));
        }
        schedulerEnabled = config.getOptionalValue("onebase.jobs.scheduler.enabled", Boolean.class).orElse(true);
        shutdownGrace = config.getOptionalValue("onebase.jobs.shutdown-grace", Duration.class).orElse(Duration.ofSeconds(10));
        String replica = config.getOptionalValue("onebase.jobs.replica", String.class).orElseGet(ReplicaId::current);
        runner = new JobRunner(vertx, JobRunner.watchedByTheServer(DedicatedConnections.options(config, "onebase-jobs")), replica, jobs, registry);
    }

    void onStart(@Observes StartupEvent event) {
        startup.await("the job history", () -> history.summaries(runner.names()))
                .forEach((job, s) -> runner.sawSuccess(job, s.lastSuccessAt()));
        if (!schedulerEnabled) {
            LOG.info("job scheduler disabled (onebase.jobs.scheduler.enabled=false): jobs run only when triggered");
            return;
        }
        String zone = config.getOptionalValue("onebase.jobs.time-zone", String.class).orElse("UTC");
        scheduled.addAll(JobScheduling.schedule(scheduler, runner, ID_PREFIX, zone));
    }

    void onStop(@Observes ShutdownEvent event) {
        JobScheduling.unschedule(scheduler, scheduled);
        runner.shutdown(shutdownGrace);
    }

    public JobRunner runner() {
        return runner;
    }

    public Uni<List<JobView>> list() {
        return history.summaries(runner.names()).map(summaries -> {
            List<JobView> views = new ArrayList<>();
            for (String name : runner.names()) {
                views.add(view(name, summaries.get(name)));
            }
            return views;
        });
    }

    public Uni<JobView> get(String name) {
        require(name);
        return history.summaries(List.of(name)).map(s -> view(name, s.get(name)));
    }

    public Uni<RunPage> runs(String name, Long before, int limit) {
        require(name);
        return history.runs(name, before, limit);
    }

    /** Starts a manual run; 409 when a run of the job holds the lock on any replica. */
    public Uni<Attempt> trigger(String name) {
        require(name);
        return runner.trigger(name).map(a -> switch (a.status()) {
            case STARTED -> a;
            case STOPPED -> throw new ProblemException(503, "Service Unavailable", "The service is shutting down", Map.of("Retry-After", "5"));
            default -> throw ProblemException.conflict("Job '" + name + "' is running (on this or another replica); try again when it has finished");
        });
    }

    private void require(String name) {
        if (runner.settings(name).isEmpty()) {
            throw ProblemException.notFound("No such job: " + name);
        }
    }

    private JobView view(String name, JobHistory.Summary summary) {
        JobSettings s = runner.settings(name).orElseThrow();
        runner.sawSuccess(name, summary == null ? null : summary.lastSuccessAt());
        Optional<RunningView> running = runner.running(name);
        if (running.isEmpty() && summary != null && summary.running() != null) {
            RunView r = summary.running();
            running = Optional.of(new RunningView(r.id(), r.replica(), r.trigger(), r.startedAt(), null));
        }
        return new JobView(name, s.schedule().text(), s.enabled(), scheduled.contains(ID_PREFIX + name), s.timeout().toString(),
                nextRun(name, s), summary == null ? null : summary.lastRun(), summary == null ? null : summary.lastSuccessAt(),
                running.orElse(null));
    }

    private OffsetDateTime nextRun(String name, JobSettings s) {
        if (!scheduled.contains(ID_PREFIX + name)) {
            return null;
        }
        if (s.schedule().isCron()) {
            Trigger t = scheduler.getScheduledJob(ID_PREFIX + name);
            Instant next = t == null ? null : t.getNextFireTime();
            return next == null ? null : next.atOffset(ZoneOffset.UTC);
        }
        return s.schedule().nextTickAfter(Instant.now()).atOffset(ZoneOffset.UTC);
    }
}
