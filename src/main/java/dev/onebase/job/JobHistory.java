package dev.onebase.job;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.JobRecords.RunPage;
import dev.onebase.job.JobRecords.RunView;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Reads and prunes job_runs (not tenant data: plain statements on the request pool). */
@ApplicationScoped
public class JobHistory {

    /** What the job list shows for one job. */
    public record Summary(RunView lastRun, OffsetDateTime lastSuccessAt, RunView running) {
    }

    private static final String LAST_RUNS = """
            select l.* from unnest($1::text[]) n(name)
             cross join lateral (select %s from job_runs r where r.job = n.name
                                  order by r.started_at desc, r.id desc limit 1) l
            """.formatted(JobRecords.RUN_COLUMNS);
    private static final String LAST_SUCCESS = """
            select n.name, (select max(r.finished_at) from job_runs r where r.job = n.name and r.outcome = 'succeeded') as at
              from unnest($1::text[]) n(name)
            """;
    /** A 'running' row counts only while some session holds the job's advisory lock (its replica may have died). */
    private static final String RUNNING = "select " + JobRecords.RUN_COLUMNS + " from job_runs r where r.outcome = 'running' "
            + "and r.job = any($1::text[]) and exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.granted "
            + "and l.classid = hashtext('onebase.job')::oid and l.objid = hashtext(r.job)::oid and l.objsubid = 2) "
            + "order by r.started_at desc";
    private static final String RUNS = "select " + JobRecords.RUN_COLUMNS + " from job_runs where job = $1 "
            + "and ($2::bigint is null or id < $2) order by id desc limit $3";
    /** Keeps each job's last success whatever its age, so "last success" never goes blank. */
    private static final String PRUNE = """
            with gone as (
                delete from job_runs r
                 where r.finished_at < now() - make_interval(secs => $1)
                   and r.id not in (select distinct on (job) id from job_runs where outcome = 'succeeded'
                                     order by job, started_at desc, id desc)
                returning 1)
            select count(*) from gone
            """;

    private final Pool pool;

    public JobHistory(Pool pool) {
        this.pool = pool;
    }

    public Uni<Map<String, Summary>> summaries(Collection<String> jobs) {
        Tuple names = Tuple.of(jobs.toArray(String[]::new));
        Map<String, RunView> last = new HashMap<>();
        Map<String, OffsetDateTime> success = new HashMap<>();
        Map<String, RunView> running = new HashMap<>();
        return pool.preparedQuery(LAST_RUNS).execute(names)
                .invoke(rows -> rows.forEach(r -> last.put(r.getString("job"), RunView.of(r))))
                .flatMap(x -> pool.preparedQuery(LAST_SUCCESS).execute(names))
                .invoke(rows -> rows.forEach(r -> success.put(r.getString("name"), r.getOffsetDateTime("at"))))
                .flatMap(x -> pool.preparedQuery(RUNNING).execute(names))
                .invoke(rows -> rows.forEach(r -> running.putIfAbsent(r.getString("job"), RunView.of(r))))
                .map(x -> {
                    Map<String, Summary> out = new HashMap<>();
                    for (String job : jobs) {
                        out.put(job, new Summary(last.get(job), success.get(job), running.get(job)));
                    }
                    return out;
                });
    }

    public Uni<RunPage> runs(String job, Long before, int limit) {
        return pool.preparedQuery(RUNS).execute(Tuple.of(job, before, limit)).map(rows -> {
            List<RunView> items = new ArrayList<>();
            rows.forEach(r -> items.add(RunView.of(r)));
            Long next = items.size() == limit ? items.get(items.size() - 1).id() : null;
            return new RunPage(items, next);
        });
    }

    /** Deletes finished runs older than {@code keep}; returns how many. */
    public Uni<Long> prune(Duration keep) {
        return pool.preparedQuery(PRUNE).execute(Tuple.of((double) keep.toSeconds()))
                .map(rows -> rows.iterator().next().getLong(0));
    }
}
