package dev.onebase.file;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.TenantTx;
import dev.onebase.job.Job;
import dev.onebase.job.JobContext;
import dev.onebase.job.JobResult;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Removes soft-deleted files whose retention has run out: the cross-tenant listing is a SECURITY DEFINER function
 * (the shared table and every dedicated tenant schema, V23),
 * each removal runs in its tenant's transaction and unlinks the file's large objects there.
 */
@ApplicationScoped
public class FilePurgeJob implements Job {

    static final int BATCH = 1000;

    private final Pool pool;
    private final TenantTx tx;
    private final FileStore store;
    private final FileConfig config;

    public FilePurgeJob(Pool pool, TenantTx tx, FileStore store, FileConfig config) {
        this.pool = pool;
        this.tx = tx;
        this.store = store;
        this.config = config;
    }

    @Override
    public String name() {
        return "file-purge";
    }

    @Override
    public String defaultSchedule() {
        return "1h";
    }

    @Override
    public Uni<JobResult> run(JobContext context) {
        return pool.preparedQuery("select tenant_id, id from admin_files_due_for_purge(make_interval(secs => $1), $2)")
                .execute(Tuple.of((double) config.retention().toSeconds(), BATCH))
                .flatMap(rows -> {
                    List<UUID[]> due = new ArrayList<>();
                    rows.forEach(r -> due.add(new UUID[] { r.getUUID("tenant_id"), r.getUUID("id") }));
                    Uni<Long> done = Uni.createFrom().item(0L);
                    for (UUID[] f : due) {
                        done = done.flatMap(n -> {
                            if (context.cancelled()) {
                                return Uni.createFrom().item(n);
                            }
                            context.progress(n, due.size());
                            // still deleted and still due? the row is re-checked under the tenant's RLS
                            return tx.run(f[0], conn -> conn.preparedQuery("select 1 from files where id = $1 and deleted_at < now() - make_interval(secs => $2) for update")
                                    .execute(Tuple.of(f[1], (double) config.retention().toSeconds()))
                                    .flatMap(r -> r.size() == 0 ? Uni.createFrom().item(false) : store.purgeIn(conn, f[1])))
                                    .map(purged -> purged ? n + 1 : n);
                        });
                    }
                    return done;
                })
                .map(n -> new JobResult(n, 0, n + " files purged"));
    }
}
