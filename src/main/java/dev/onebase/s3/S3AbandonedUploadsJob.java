package dev.onebase.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Removes multipart uploads older than {@code onebase.s3.upload-expiry}, with their parts, each in its tenant's transaction. */
@ApplicationScoped
public class S3AbandonedUploadsJob implements Job {

    static final int BATCH = 1000;

    private final Pool pool;
    private final S3Multipart multipart;
    private final S3Config config;

    public S3AbandonedUploadsJob(Pool pool, S3Multipart multipart, S3Config config) {
        this.pool = pool;
        this.multipart = multipart;
        this.config = config;
    }

    @Override
    public String name() {
        return "s3-abandoned-uploads";
    }

    @Override
    public String defaultSchedule() {
        return "1h";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        return pool.preparedQuery("select tenant_id, id from admin_s3_stale_uploads(make_interval(secs => $1), $2)")
                .execute(Tuple.of((double) config.uploadExpiry().toSeconds(), BATCH))
                .flatMap(rows -> {
                    List<UUID[]> due = new ArrayList<>();
                    rows.forEach(r -> due.add(new UUID[] {r.getUUID("tenant_id"), r.getUUID("id")}));
                    Uni<Long> done = Uni.createFrom().item(0L);
                    for (UUID[] u : due) {
                        done = done.flatMap(n -> {
                            if (context.cancelled()) {
                                return Uni.createFrom().item(n);
                            }
                            context.progress(n, due.size());
                            return multipart.remove(u[0], u[1]).map(x -> n + 1);
                        });
                    }
                    return done;
                })
                .map(n -> new JobResult(n, 0, n + " abandoned multipart uploads removed"));
    }
}
