package dev.onebase.job;

import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;

/**
 * A second replica in its own process for {@link DeadReplicaTest}: a real {@link JobRunner} runs one job whose
 * statement takes a minute, and the test kills this process with SIGKILL while it runs.
 * Arguments: database URL, user, password, application name.
 */
public final class DyingReplica {

    static final String JOB = "dying-job";

    private DyingReplica() {
    }

    public static void main(String[] args) throws Exception {
        PgConnectOptions options = PgConnectOptions.fromUri(args[0]).setUser(args[1]).setPassword(args[2]);
        options.addProperty("application_name", args[3]);
        Job job = new Job() {
            @Override
            public String name() {
                return JOB;
            }

            @Override
            public String defaultSchedule() {
                return "1h";
            }

            @Override
            public Uni<JobResult> run(JobContext context) {
                return context.connection().query("select pg_sleep(60)").execute().replaceWith(JobResult.rows(1));
            }
        };
        Vertx vertx = Vertx.vertx();
        JobRunner runner = new JobRunner(vertx, JobRunner.watchedByTheServer(options), "dying-replica",
                Map.of(job, new JobSettings(Schedule.parse("1h"), true, Duration.ofMinutes(5))), new SimpleMeterRegistry());
        System.out.println("attempt: " + runner.trigger(JOB).await().atMost(Duration.ofSeconds(30)).status());
        Thread.sleep(Long.MAX_VALUE);
    }
}
