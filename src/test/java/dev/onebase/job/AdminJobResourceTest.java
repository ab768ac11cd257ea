package dev.onebase.job;

import static dev.onebase.testsupport.TestApi.as;
import static dev.onebase.testsupport.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.onebase.job.JobRunner.Attempt;
import dev.onebase.job.JobRunner.Status;
import dev.onebase.testsupport.Db;
import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

@QuarkusTest
class AdminJobResourceTest {

    private static final String PROBLEM = "application/problem+json";

    @Inject
    Vertx vertx;
    @Inject
    Config config;

    @AfterEach
    void reset() {
        ControlledJob.release.complete(null);
        Eventually.until("no run of test-controlled to be running", () -> Db.count(
                "select count(*) from job_runs where job = 'test-controlled' and outcome = 'running'") == 0);
        ControlledJob.mode = ControlledJob.Mode.SUCCEED;
        ControlledJob.release = new CompletableFuture<>();
    }

    @Test
    void listsEveryJobWithItsScheduleAndNothingScheduledInTests() {
        asAdmin().get("/admin/jobs").then().statusCode(200)
                .body("name", hasItems("refresh-stats", "purge-tenants", "prune-job-history", "test-controlled"))
                .body("find { it.name == 'refresh-stats' }.schedule", equalTo("5m"))
                .body("find { it.name == 'refresh-stats' }.enabled", equalTo(true))
                .body("find { it.name == 'refresh-stats' }.scheduled", equalTo(false))
                .body("find { it.name == 'refresh-stats' }.nextRunAt", nullValue())
                .body("find { it.name == 'prune-job-history' }.schedule", equalTo("0 30 3 * * ?"))
                .body("find { it.name == 'purge-tenants' }.timeout", equalTo("PT30M"));
    }

    @Test
    void aManualRunIsRecordedAndShowsAsLastRunAndLastSuccess() {
        asAdmin().post("/admin/jobs/test-controlled/run?wait=true").then().statusCode(200)
                .body("outcome", equalTo("succeeded"))
                .body("trigger", equalTo("manual"))
                .body("rowsAffected", equalTo(7))
                .body("detail", equalTo("did seven things"))
                .body("replica", notNullValue())
                .body("finishedAt", notNullValue());
        int id = asAdmin().get("/admin/jobs/test-controlled/runs?limit=1").then().statusCode(200)
                .body("items[0].outcome", equalTo("succeeded")).extract().path("items[0].id");
        asAdmin().get("/admin/jobs/test-controlled").then().statusCode(200)
                .body("lastRun.id", equalTo(id))
                .body("lastSuccessAt", notNullValue())
                .body("running", nullValue());
    }

    @Test
    void aFailingJobIsRecordedWithItsErrorCountsInMetricsAndTheNextRunWorks() {
        double before = metric("onebase_job_failures_total{job=\"test-controlled\"}");
        ControlledJob.mode = ControlledJob.Mode.FAIL;
        asAdmin().post("/admin/jobs/test-controlled/run?wait=true").then().statusCode(200)
                .body("outcome", equalTo("failed"))
                .body("error", equalTo("IllegalStateException: the disk is on fire"));
        assertEquals(before + 1, metric("onebase_job_failures_total{job=\"test-controlled\"}"));
        asAdmin().get("/admin/jobs/test-controlled/runs").then().statusCode(200)
                .body("items[0].outcome", equalTo("failed"))
                .body("items[0].error", containsString("the disk is on fire"));

        ControlledJob.mode = ControlledJob.Mode.SUCCEED;
        asAdmin().post("/admin/jobs/test-controlled/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
        assertEquals(before + 1, metric("onebase_job_failures_total{job=\"test-controlled\"}"));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("onebase_job_duration_seconds_count{job=\"test-controlled\",outcome=\"failed\"}"));
        org.hamcrest.MatcherAssert.assertThat(metric("onebase_job_last_success_seconds{job=\"test-controlled\"}"),
                greaterThanOrEqualTo(1.0));
    }

    @Test
    void aRunningJobShowsProgressAndASecondTriggerIsAConflict() {
        ControlledJob.mode = ControlledJob.Mode.BLOCK;
        int id = asAdmin().post("/admin/jobs/test-controlled/run").then().statusCode(202)
                .header("Location", containsString("/admin/jobs/test-controlled/runs"))
                .body("outcome", equalTo("running")).extract().path("id");
        asAdmin().get("/admin/jobs/test-controlled").then().statusCode(200)
                .body("running.runId", equalTo(id))
                .body("running.progress.done", equalTo(3))
                .body("running.progress.total", equalTo(10));
        asAdmin().post("/admin/jobs/test-controlled/run").then().statusCode(409).contentType(PROBLEM)
                .body("status", equalTo(409))
                .body("detail", containsString("is running"));
        ControlledJob.release.complete(null);
        Eventually.until("run " + id + " to succeed", () -> Db.value("select outcome from job_runs where id = ?", (long) id),
                "succeeded"::equals);
    }

    @Test
    void aRunOnAnotherReplicaMakesTheTriggerAConflict() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        Job sameJob = new Job() {
            public String name() {
                return "test-controlled";
            }

            public String defaultSchedule() {
                return "1h";
            }

            public Uni<JobResult> run(JobContext context) {
                return Uni.createFrom().completionStage(release).replaceWith(JobResult.rows(0));
            }
        };
        JobRunner other = new JobRunner(vertx, dev.onebase.db.DedicatedConnections.options(config, "onebase-jobs"), "other-replica",
                Map.of(sameJob, new JobSettings(Schedule.parse("1h"), true, Duration.ofMinutes(1))), null);
        try {
            Attempt running = other.trigger("test-controlled").await().atMost(Duration.ofSeconds(30));
            assertEquals(Status.STARTED, running.status());
            asAdmin().post("/admin/jobs/test-controlled/run?wait=true").then().statusCode(409).contentType(PROBLEM)
                    .body("title", equalTo("Conflict"));
            asAdmin().get("/admin/jobs/test-controlled").then().statusCode(200)
                    .body("running.replica", equalTo("other-replica"))
                    .body("running.progress", nullValue());
            release.complete(null);
            running.finished().await().atMost(Duration.ofSeconds(30));
            asAdmin().post("/admin/jobs/test-controlled/run?wait=true").then().statusCode(200).body("outcome", equalTo("succeeded"));
        } finally {
            release.complete(null);
            other.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void purgeTenantsRemovesSoftDeletedTenantsPastRetention() {
        Tenant due = TestApi.signup();
        Tenant kept = TestApi.signup();
        asAdmin().delete("/admin/tenants/" + due.id()).then().statusCode(200);
        asAdmin().delete("/admin/tenants/" + kept.id()).then().statusCode(200);
        Db.update("update tenants set deleted_at = now() - interval '31 days' where id = ?", due.id());
        asAdmin().post("/admin/jobs/purge-tenants/run?wait=true").then().statusCode(200)
                .body("outcome", equalTo("succeeded"))
                .body("rowsAffected", greaterThanOrEqualTo(1));
        asAdmin().get("/admin/tenants/" + due.id()).then().statusCode(404);
        asAdmin().get("/admin/tenants/" + kept.id()).then().statusCode(200).body("status", equalTo("deleted"));
        assertEquals(0L, Db.count("select count(*) from api_keys where tenant_id = ?", due.id()));
    }

    @Test
    void pruneJobHistoryDeletesOldRunsButKeepsTheLastSuccess() {
        for (String outcome : new String[] {"failed", "succeeded", "failed", "succeeded"}) {
            Db.update("insert into job_runs (job, replica, trigger, started_at, finished_at, outcome) "
                    + "values ('test-old', 'gone', 'manual', now() - interval '40 days', now() - interval '40 days', ?)", outcome);
        }
        long newest = Db.count("select max(id) from job_runs where job = 'test-old'");
        asAdmin().post("/admin/jobs/prune-job-history/run?wait=true").then().statusCode(200)
                .body("outcome", equalTo("succeeded"))
                .body("rowsAffected", greaterThanOrEqualTo(3));
        assertEquals(1L, Db.count("select count(*) from job_runs where job = 'test-old'"));
        assertEquals(newest, Db.count("select id from job_runs where job = 'test-old'"));
    }

    @Test
    void badRequestsGetProblems() {
        asAdmin().get("/admin/jobs/no-such-job").then().statusCode(404).contentType(PROBLEM)
                .body("detail", equalTo("No such job: no-such-job"));
        asAdmin().post("/admin/jobs/no-such-job/run").then().statusCode(404).contentType(PROBLEM);
        asAdmin().get("/admin/jobs/no-such-job/runs").then().statusCode(404).contentType(PROBLEM);
        asAdmin().get("/admin/jobs/test-controlled/runs?limit=abc").then().statusCode(400).contentType(PROBLEM)
                .body("detail", equalTo("limit must be a number"));
        asAdmin().get("/admin/jobs/test-controlled/runs?limit=0").then().statusCode(400).contentType(PROBLEM)
                .body("detail", equalTo("limit must be between 1 and 500"));
        asAdmin().get("/admin/jobs/test-controlled/runs?limit=501").then().statusCode(400).contentType(PROBLEM);
        asAdmin().get("/admin/jobs/test-controlled/runs?before=yesterday").then().statusCode(400).contentType(PROBLEM)
                .body("detail", equalTo("before must be a run id"));
        asAdmin().post("/admin/jobs/test-controlled/run?wait=maybe").then().statusCode(400).contentType(PROBLEM)
                .body("detail", equalTo("wait must be true or false"));
        asAdmin().get("/admin/jobs/test-controlled/run").then().statusCode(405).contentType(PROBLEM);
    }

    @Test
    void theJobsApiIsForAdminsOnly() {
        given().get("/admin/jobs").then().statusCode(401).contentType(PROBLEM);
        given().header("Authorization", "Bearer wrong").post("/admin/jobs/refresh-stats/run").then().statusCode(401).contentType(PROBLEM);
        Tenant t = TestApi.signup();
        as(t).get("/admin/jobs").then().statusCode(401).contentType(PROBLEM);
        as(t).post("/admin/jobs/purge-tenants/run").then().statusCode(401).contentType(PROBLEM);
    }

    @Test
    void historyPagesBackwardsById() {
        for (int i = 0; i < 3; i++) {
            asAdmin().post("/admin/jobs/test-controlled/run?wait=true").then().statusCode(200);
        }
        int first = asAdmin().get("/admin/jobs/test-controlled/runs?limit=2").then().statusCode(200)
                .body("items.size()", equalTo(2)).body("next", notNullValue()).extract().path("next");
        int nextId = asAdmin().get("/admin/jobs/test-controlled/runs?limit=2&before=" + first).then().statusCode(200)
                .extract().path("items[0].id");
        org.junit.jupiter.api.Assertions.assertTrue(nextId < first);
    }

    private static double metric(String series) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no series " + series + " on /q/metrics");
    }
}
