package dev.onebase.file;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What vacuumlo does, for onebase's own objects: large objects owned by the request role that no file or version
 * row of any tenant refers to are unlinked. The listing is a SECURITY DEFINER function (it must see every
 * tenant's rows); the unlink runs as the request role, which owns the objects.
 */
@ApplicationScoped
public class OrphanObjectsJob implements Job {

    private static final Logger LOG = Logger.getLogger(OrphanObjectsJob.class);
    static final int BATCH = 10000;

    private final Pool pool;

    public OrphanObjectsJob(Pool pool) {
        this.pool = pool;
    }

    @Override
    public String name() {
        return "file-orphan-objects";
    }

    @Override
    public String defaultSchedule() {
        return "0 30 3 * * ?";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        return pool.preparedQuery("select admin_orphan_large_objects($1) as oid").execute(Tuple.of(BATCH)).flatMap(rows -> {
            List<Long> oids = new ArrayList<>();
            rows.forEach(r -> oids.add(r.getLong("oid")));
            Uni<Long> done = Uni.createFrom().item(0L);
            for (Long oid : oids) {
                done = done.flatMap(n -> {
                    if (context.cancelled()) {
                        return Uni.createFrom().item(n);
                    }
                    context.progress(n, oids.size());
                    // gone meanwhile (another replica, a purge) is fine: count only what this run unlinked
                    return pool.preparedQuery("select admin_unlink_orphan_large_object($1)").execute(Tuple.of(oid)).flatMap(r -> {
                        if (r.iterator().next().getBoolean(0)) {
                            return Uni.createFrom().item(n + 1);
                        }
                        // one the request role still owns (from before V9): it unlinks its own
                        return pool.preparedQuery("select lo_unlink(m.oid) from pg_largeobject_metadata m where m.oid = $1::int8::oid"
                                + " and m.lomowner = current_user::regrole").execute(Tuple.of(oid)).map(gone -> n + gone.rowCount());
                    });
                });
            }
            return done;
        }).invoke(n -> {
            if (n > 0) {
                LOG.infof("unlinked %d orphaned large objects", n);
            }
        }).map(n -> new JobResult(n, 0, n + " orphaned large objects unlinked"));
    }
}
