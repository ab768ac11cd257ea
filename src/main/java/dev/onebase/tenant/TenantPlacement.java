package dev.onebase.tenant;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.eclipse.microprofile.config.Config;

import dev.onebase.db.DedicatedConnections;
import dev.onebase.db.ReplicaId;
import dev.onebase.db.StartupWork;
import dev.onebase.web.ProblemException;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;

/**
 * A tenant's placement (docs/tenants.md#placement): in the shared tables, or in a schema of its own holding the same
 * tables. A move (promote: shared to schema; demote: back) is one transaction on one connection:
 * <ol>
 * <li>before it, in a transaction of its own, {@code tenant_schema_sync} makes or repairs the schema (DDL stays out
 * of the pause); a schema it cannot bring to the shared tables' shape refuses the promotion (409);</li>
 * <li>the tenant's advisory lock in exclusive mode ({@code tenant_lock_key}): every tenant transaction takes it in
 * share mode ({@code tenant_scope}), so the tenant's writes wait from here to the commit (the write pause, measured
 * as {@code pauseMs}); reads on the shared pipelined connections do not wait (they read the placement and the rows
 * from one snapshot, {@code tenant_scope_read});</li>
 * <li>each table's rows copied, parents first ({@code tenant_move_copy}), then deleted from the source, children
 * first; large objects stay where they are (rows refer to them by OID, their fence registry is shared);</li>
 * <li>the placement flipped ({@code tenant_set_placement}) and COMMIT.</li>
 * </ol>
 * Anything that stops it (an error, a cancel, a crash, a lost connection) rolls the whole transaction back: the tenant
 * stays wholly where it was. The record in {@code tenant_placement_moves} is written outside that transaction, so its
 * phase and row count are visible while it runs.
 */
@ApplicationScoped
public class TenantPlacement {

    private static final Logger LOG = Logger.getLogger(TenantPlacement.class);

    /** How long a move waits for the tenant's transactions under way (a long upload) before it gives up. */
    static final String LOCK_WAIT = "10s";

    @RegisterForReflection
    public record PlacementChange(String placement) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlacementMove(long id, UUID tenant, String target, String status, String phase, long rowsMoved,
            Map<String, Object> tables, Long pauseMs, Long durationMs, String error, String replica,
            OffsetDateTime startedAt, OffsetDateTime finishedAt) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlacementView(UUID tenant, String placement, String schema, String problem, PlacementMove lastMove) {
    }

    private final Pool pool;
    private final StartupWork startup;
    private final Vertx vertx;
    private final PgConnectOptions options;
    private final Set<UUID> moving = ConcurrentHashMap.newKeySet();

    public TenantPlacement(Pool pool, Vertx vertx, Config config, StartupWork startup) {
        this.pool = pool;
        this.startup = startup;
        this.vertx = vertx;
        this.options = DedicatedConnections.options(config, "onebase-placement-move");
    }

    /** At start-up, after the migrations: every dedicated schema brought to the shared tables' shape, or reported. */
    void onStart(@Observes @Priority(10) StartupEvent event) {
        startup.await("the placement moves this replica left running", () -> pool.preparedQuery(
                "update tenant_placement_moves set status = 'failed', error = 'interrupted: the replica stopped', finished_at = now() "
                        + "where status = 'running' and replica = $1").execute(Tuple.of(ReplicaId.current())));
        List<UUID> placed = new ArrayList<>();
        startup.await("the tenants in dedicated schemas", () -> pool.query("select id from admin_schema_tenants() as t(id)").execute())
                .forEach(r -> placed.add(r.getUUID(0)));
        for (UUID tenant : placed) {
            List<String> problems = startup.await("the dedicated schema of tenant " + tenant, () -> sync(tenant));
            if (problems.isEmpty()) {
                LOG.infof("dedicated schema of tenant %s matches the shared tables", tenant);
            } else {
                LOG.errorf("dedicated schema of tenant %s does not match the shared tables; the tenant is refused (503) until it is repaired: %s",
                        tenant, String.join("; ", problems));
            }
        }
    }

    /** Makes or repairs the tenant's schema (its own transaction); what could not be repaired. */
    public Uni<List<String>> sync(UUID tenant) {
        return pool.preparedQuery("select p from tenant_schema_sync($1) as p").execute(Tuple.of(tenant)).map(rows -> {
            List<String> out = new ArrayList<>();
            rows.forEach(r -> out.add(r.getString(0)));
            return out;
        });
    }

    public Uni<PlacementView> view(UUID tenant) {
        return pool.preparedQuery("select placement, placement_schema, placement_problem from admin_tenant_placement($1)")
                .execute(Tuple.of(tenant)).flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().failure(ProblemException.notFound("No tenant " + tenant));
                    }
                    Row r = rows.iterator().next();
                    return lastMove(tenant).map(m -> new PlacementView(tenant, r.getString(0), r.getString(1), r.getString(2), m));
                });
    }

    public Uni<PlacementMove> move(long id) {
        return pool.preparedQuery("select * from tenant_placement_moves where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toMove(rows.iterator().next()));
    }

    private Uni<PlacementMove> lastMove(UUID tenant) {
        return pool.preparedQuery("select * from tenant_placement_moves where tenant = $1 order by id desc limit 1").execute(Tuple.of(tenant))
                .map(rows -> rows.size() == 0 ? null : toMove(rows.iterator().next()));
    }

    /**
     * Starts a move and answers with its record once it is under way; {@code done} completes when it ends (succeeded or
     * failed, as the record says).
     */
    public Uni<PlacementMove> start(UUID tenant, String target) {
        if (!"schema".equals(target) && !"shared".equals(target)) {
            return Uni.createFrom().failure(ProblemException.unprocessable("placement must be schema or shared"));
        }
        return view(tenant).flatMap(v -> {
            if (v.placement().equals(target)) {
                return Uni.createFrom().failure(ProblemException.conflict("The tenant's placement is already " + target));
            }
            if (!moving.add(tenant)) {
                return Uni.createFrom().failure(ProblemException.conflict("A placement move of this tenant is already running"));
            }
            Uni<List<String>> prepared = "schema".equals(target) ? sync(tenant) : Uni.createFrom().item(List.of());
            return prepared.onFailure().invoke(() -> moving.remove(tenant)).flatMap(problems -> {
                if (!problems.isEmpty()) {
                    moving.remove(tenant);
                    return Uni.createFrom().failure(ProblemException.conflict(
                            "The tenant's schema cannot be brought to the shared tables' shape: " + String.join("; ", problems)));
                }
                return pool.preparedQuery("insert into tenant_placement_moves (tenant, target, replica) values ($1, $2, $3) returning *")
                        .execute(Tuple.of(tenant, target, ReplicaId.current()))
                        .onFailure().invoke(() -> moving.remove(tenant))
                        .map(rows -> {
                            PlacementMove started = toMove(rows.iterator().next());
                            run(started.id(), tenant, target).subscribe().with(x -> {
                            }, x -> {
                            });
                            return started;
                        });
            });
        });
    }

    /** The move itself; the Uni ends with the final record (never fails: a failure is recorded). */
    Uni<PlacementMove> run(long id, UUID tenant, String target) {
        String from = "schema".equals(target) ? "public" : schemaName(tenant);
        String to = "schema".equals(target) ? schemaName(tenant) : "public";
        long began = System.nanoTime();
        long[] locked = new long[1];
        Map<String, Object> counts = Collections.synchronizedMap(new java.util.LinkedHashMap<>());
        // Two connections of the move's own, outside the pool: while the move holds the tenant's lock, the tenant's
        // requests wait on it holding pool connections, and the move must never wait for one of those.
        return PgConnection.connect(vertx, options).flatMap(side -> PgConnection.connect(vertx, options).flatMap(conn -> {
            Uni<PlacementMove> work = conn.query("BEGIN").execute()
                    .flatMap(x -> conn.preparedQuery("select set_config('app.tenant_id', $1, true), set_config('app.placement_move', 'on', true), "
                            + "set_config('lock_timeout', $2, true), pg_backend_pid()").execute(Tuple.of(tenant.toString(), LOCK_WAIT)))
                    .flatMap(rows -> progress(side, id, "lock", 0, counts, rows.iterator().next().getInteger(3)))
                    .flatMap(x -> conn.preparedQuery("select pg_advisory_xact_lock(tenant_lock_key($1))").execute(Tuple.of(tenant)))
                    .invoke(() -> locked[0] = System.nanoTime())
                    // the wait bound is for the lock only: the copy itself may take as long as it takes
                    .flatMap(x -> conn.query("select set_config('lock_timeout', '0', true)").execute())
                    .flatMap(x -> conn.preparedQuery("select placement from tenants where id = $1").execute(Tuple.of(tenant)))
                    .flatMap(rows -> {
                        if (rows.size() == 0 || target.equals(rows.iterator().next().getString(0))) {
                            return Uni.createFrom().failure(ProblemException.conflict("The tenant is gone or already " + target));
                        }
                        return conn.query("select table_name from tenant_placed_tables()").execute();
                    })
                    .flatMap(rows -> {
                        List<String> tables = new ArrayList<>();
                        rows.forEach(r -> tables.add(r.getString(0)));
                        long[] total = new long[1];
                        Uni<Void> chain = Uni.createFrom().voidItem();
                        for (String table : tables) {
                            chain = chain.flatMap(x -> conn.preparedQuery("select tenant_move_copy($1, $2, $3, $4)")
                                    .execute(Tuple.of(tenant, table, from, to))
                                    .flatMap(r -> {
                                        long n = r.iterator().next().getLong(0);
                                        total[0] += n;
                                        counts.put(table, n);
                                        return progress(side, id, "copy " + table, total[0], counts, null);
                                    }));
                        }
                        List<String> reversed = new ArrayList<>(tables);
                        Collections.reverse(reversed);
                        for (String table : reversed) {
                            chain = chain.flatMap(x -> conn.preparedQuery("select tenant_move_delete($1, $2, $3)").execute(Tuple.of(tenant, table, from))
                                    .replaceWithVoid());
                        }
                        return chain.flatMap(x -> progress(side, id, "delete", total[0], counts, null));
                    })
                    .flatMap(x -> conn.preparedQuery("select tenant_align_sequences($1)").execute(Tuple.of(tenant)))
                    .flatMap(x -> conn.preparedQuery("select tenant_set_placement($1, $2)").execute(Tuple.of(tenant, target)))
                    .flatMap(x -> conn.query("COMMIT").execute())
                    .flatMap(x -> finish(side, id, "succeeded", null, locked[0] == 0 ? null : (System.nanoTime() - locked[0]) / 1_000_000,
                            (System.nanoTime() - began) / 1_000_000));
            return work.onFailure().recoverWithUni(failure -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull()
                    .flatMap(x -> finish(side, id, "failed", String.valueOf(failure.getMessage()), null, (System.nanoTime() - began) / 1_000_000)))
                    .eventually(conn::close);
        }).eventually(side::close)).onFailure().recoverWithUni(failure -> finish(pool, id, "failed", String.valueOf(failure.getMessage()), null, (System.nanoTime() - began) / 1_000_000))
                .eventually(() -> moving.remove(tenant))
                .invoke(m -> LOG.infof("placement move %d of tenant %s to %s: %s, %d rows, pause %s ms, %s ms%s", id, tenant, target,
                        m.status(), m.rowsMoved(), m.pauseMs(), m.durationMs(), m.error() == null ? "" : " (" + m.error() + ")"));
    }

    private static Uni<Void> progress(SqlClient side, long id, String phase, long rows, Map<String, Object> counts, Integer pid) {
        JsonObject tables;
        synchronized (counts) {
            tables = new JsonObject(new java.util.LinkedHashMap<>(counts));
        }
        return side.preparedQuery("update tenant_placement_moves set phase = $2, rows_moved = $3, tables = $4, backend_pid = coalesce($5, backend_pid) where id = $1")
                .execute(Tuple.of(id, phase, rows, tables, pid)).replaceWithVoid();
    }

    private static Uni<PlacementMove> finish(SqlClient side, long id, String status, String error, Long pauseMs, long durationMs) {
        return side.preparedQuery("""
                update tenant_placement_moves set status = $2, error = $3, pause_ms = $4, duration_ms = $5, finished_at = now(),
                       phase = case when $2 = 'succeeded' then 'done' else phase end
                 where id = $1 returning *
                """).execute(Tuple.of(id, status, error, pauseMs, durationMs)).map(rows -> toMove(rows.iterator().next()));
    }

    /** {@code tenant_<32 hex>}: V22's tenant_schema_name. */
    public static String schemaName(UUID tenant) {
        return "tenant_" + tenant.toString().replace("-", "");
    }

    private static PlacementMove toMove(Row r) {
        Object tables = r.getValue("tables");
        Map<String, Object> t = tables instanceof JsonObject j ? j.getMap() : Map.of();
        return new PlacementMove(r.getLong("id"), r.getUUID("tenant"), r.getString("target"), r.getString("status"), r.getString("phase"),
                r.getLong("rows_moved"), t, r.getLong("pause_ms"), r.getLong("duration_ms"), r.getString("error"), r.getString("replica"),
                r.getOffsetDateTime("started_at"), r.getOffsetDateTime("finished_at"));
    }
}
