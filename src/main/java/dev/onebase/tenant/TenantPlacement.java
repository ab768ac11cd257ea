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
import dev.onebase.db.Rows;
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
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;

/**
 * A tenant's placement (docs/tenants.md#placement): in the shared tables, or in a schema of its own holding the same
 * tables. A move (promote: shared to schema; demote: back) copies in batches and pauses the tenant's writes only for
 * its final step, on connections of its own:
 * <ol>
 * <li>prepare: {@code tenant_schema_sync} makes or repairs the schema (a promotion; DDL stays out of any pause), the
 * change-noting triggers are checked ({@code tenant_move_triggers}), and what an interrupted attempt left on the target
 * side is removed;</li>
 * <li>arm: the tenant's advisory lock exclusively for one short transaction that records the tenant in
 * {@code tenant_moves_logging}; every tenant transaction takes the lock in share mode ({@code tenant_scope}) and then
 * reads that table, so from here on each row the tenant changes is noted ({@code tenant_move_log}: table and primary
 * key);</li>
 * <li>copy: each table's rows in key order, {@link #BATCH} at a time, each batch its own transaction
 * ({@code tenant_move_copy_batch}), parents first; no lock the tenant waits for, progress in the move's record;</li>
 * <li>final step, the write pause: the lock exclusively again, then in one transaction the copy's rows the old side no
 * longer has pruned, the noted rows copied again, sequences aligned, the placement flipped; tried again (up to
 * {@link #FINAL_ATTEMPTS}) when the lock is not granted in time;</li>
 * <li>clean: the old side's rows deleted in batches, outside the pause (after the flip nobody reads them).</li>
 * </ol>
 * Reads do not wait at any point: the cache's reads read the placement and the rows in one snapshot
 * ({@code tenant_scope_read}); the API key lookup and the request-limit lease use shared tables only
 * ({@code tenant_scope_shared}, no lock). Anything that stops a move before its final commit leaves the tenant wholly on
 * the old side: the log is turned off and the copy removed (at once, at a replica's next start, or by the next
 * attempt). A move holds the tenant's move lock ({@code tenant_move_lock_key}) from its start to its end: no other move
 * and no purge of the tenant runs meanwhile ({@link PlacementPurgeGuard}), and a record left running with that lock free
 * is a dead move. Large objects stay where they are (rows refer to them by OID, their fence registry is shared).
 */
@ApplicationScoped
public class TenantPlacement {

    private static final Logger LOG = Logger.getLogger(TenantPlacement.class);

    /** How long a move waits for the tenant's transactions under way (a long upload) before it gives up. */
    static final String LOCK_WAIT = "10s";

    /** Rows per batch of the copy: each its own short transaction, so the copy holds no lock the tenant waits for. */
    static final int BATCH = 2000;

    /**
     * How many times the final step asks for the tenant's lock before the move gives up. Each failed attempt costs only
     * its wait: the log stays armed, so the copy stays valid and the next attempt copies the noted rows again.
     */
    static final int FINAL_ATTEMPTS = 3;

    /** Between two attempts of the final step: the tenant's writes that queued behind the move's request go through. */
    static final long RETRY_PAUSE_MS = 1000;

    /** lock_not_available: the lock was not granted within lock_timeout. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    @RegisterForReflection
    public record PlacementChange(String placement) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlacementMove(long id, UUID tenant, String target, String status, String phase, long rowsMoved,
            Map<String, Object> tables, Long copyMs, Long notedRows, Integer attempts, Long pauseMs, Long durationMs, String error,
            String replica, OffsetDateTime startedAt, OffsetDateTime finishedAt) {
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
        cleanUpInterrupted();
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

    /**
     * The moves left running by a replica that stopped mid-move are ended: failed, their copy removed, if the placement
     * did not flip; succeeded, the old side's rows deleted, if it did. Either way the tenant is whole on one side. A move
     * is known to be dead when its move lock is free (a live move holds it on its own connection): any replica's start
     * ends such a move, whichever replica started it; a move from before V31 (no move lock) only its own replica.
     */
    void cleanUpInterrupted() {
        List<Move> running = new ArrayList<>();
        startup.await("the placement moves left running", () -> pool.preparedQuery(
                "select id, tenant, target from tenant_placement_moves where status = 'running' and (move_lock or replica = $1) order by id")
                .execute(Tuple.of(ReplicaId.current())))
                .forEach(r -> {
                    boolean promote = "schema".equals(r.getString(2));
                    UUID tenant = r.getUUID(1);
                    running.add(new Move(r.getLong(0), tenant, r.getString(2), promote ? "public" : schemaName(tenant), promote ? schemaName(tenant) : "public"));
                });
        for (Move m : running) {
            if (startup.await("the placement move " + m.id + " of tenant " + m.tenant + " left running", () -> endInterrupted(m))) {
                LOG.warnf("placement move %d of tenant %s was left running by a replica that stopped: ended, the tenant whole on one side", m.id, m.tenant);
            }
        }
    }

    /** Ends one move found running, on a connection of its own holding the tenant's move lock; false if it still runs. */
    private Uni<Boolean> endInterrupted(Move m) {
        return PgConnection.connect(vertx, options).flatMap(c -> c.preparedQuery("select pg_try_advisory_lock(tenant_move_lock_key($1))")
                .execute(Tuple.of(m.tenant)).flatMap(locked -> !locked.iterator().next().getBoolean(0) ? Uni.createFrom().item(false)
                        : c.preparedQuery("update tenant_placement_moves m set finished_at = now(), "
                                + "status = case when (select p.placement from admin_tenant_placement(m.tenant) p) = m.target then 'succeeded' else 'failed' end, "
                                + "error = case when (select p.placement from admin_tenant_placement(m.tenant) p) = m.target "
                                + "then 'interrupted after the flip: the replica stopped; the old side was deleted at a replica''s next start' "
                                + "else 'interrupted: the replica stopped' end "
                                + "where id = $1 and status = 'running' returning id").execute(Tuple.of(m.id))
                                .flatMap(ended -> ended.size() == 0 ? Uni.createFrom().item(false)
                                        : c.query("select table_name from tenant_placed_tables()").execute().flatMap(rows -> {
                                            rows.forEach(r -> m.tables.add(r.getString(0)));
                                            // one of the two guards holds: the copy if it did not flip, the old side if it did
                                            return disarmAndClean(c, m).flatMap(x -> cleanSide(c, m, m.from, true));
                                        }).replaceWith(true)))
                .eventually(() -> c.close().onFailure().recoverWithNull()));
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
     * failed, as the record says). The move's own connection first takes the tenant's move lock
     * ({@code tenant_move_lock_key}) for the move's whole life: no other move of the tenant, on any replica, and no purge
     * of it runs meanwhile; the tenant is looked up after it, so a tenant purged just before is not moved.
     */
    public Uni<PlacementMove> start(UUID tenant, String target) {
        if (!"schema".equals(target) && !"shared".equals(target)) {
            return Uni.createFrom().failure(ProblemException.unprocessable("placement must be schema or shared"));
        }
        if (!moving.add(tenant)) {
            return Uni.createFrom().failure(ProblemException.conflict("A placement move of this tenant is already running"));
        }
        // Two connections of the move's own, outside the pool: while the move holds the tenant's lock, the tenant's
        // requests wait on it holding pool connections, and the move must never wait for one of those.
        return PgConnection.connect(vertx, options).flatMap(side -> PgConnection.connect(vertx, options)
                .onFailure().call(x -> side.close())
                .flatMap(conn -> begin(tenant, target, conn, side)
                        .onFailure().call(x -> conn.close().onFailure().recoverWithNull().flatMap(y -> side.close()))))
                .onFailure().invoke(() -> moving.remove(tenant));
    }

    private Uni<PlacementMove> begin(UUID tenant, String target, PgConnection conn, PgConnection side) {
        return conn.preparedQuery("select pg_try_advisory_lock(tenant_move_lock_key($1))").execute(Tuple.of(tenant)).flatMap(locked -> {
            if (!locked.iterator().next().getBoolean(0)) {
                return Uni.createFrom().failure(ProblemException.conflict(
                        "A placement move or a purge of this tenant is running (on this or another replica)"));
            }
            return view(tenant);
        }).flatMap(v -> {
            if (v.placement().equals(target)) {
                return Uni.createFrom().failure(ProblemException.conflict("The tenant's placement is already " + target));
            }
            return "schema".equals(target) ? sync(tenant) : Uni.createFrom().item(List.<String>of());
        }).flatMap(problems -> {
            if (!problems.isEmpty()) {
                return Uni.createFrom().failure(ProblemException.conflict(
                        "The tenant's schema cannot be brought to the shared tables' shape: " + String.join("; ", problems)));
            }
            return pool.preparedQuery("insert into tenant_placement_moves (tenant, target, replica, move_lock) values ($1, $2, $3, true) returning *")
                    .execute(Tuple.of(tenant, target, ReplicaId.current()));
        }).map(rows -> {
            PlacementMove started = toMove(rows.iterator().next());
            run(started.id(), tenant, target, conn, side).subscribe().with(x -> {
            }, x -> {
            });
            return started;
        });
    }

    /**
     * The move itself, on its two connections (closed at its end, which frees the move lock); the Uni ends with the
     * final record (never fails: a failure is recorded).
     */
    private Uni<PlacementMove> run(long id, UUID tenant, String target, PgConnection conn, PgConnection side) {
        String from = "schema".equals(target) ? "public" : schemaName(tenant);
        String to = "schema".equals(target) ? schemaName(tenant) : "public";
        long began = System.nanoTime();
        Move m = new Move(id, tenant, target, from, to);
        Uni<PlacementMove> work = conn.preparedQuery("select pg_backend_pid(), tenant_move_triggers($1)").execute(Tuple.of(schemaName(tenant)))
                .flatMap(rows -> progress(side, id, "prepare", 0, m.counts, rows.iterator().next().getInteger(0)))
                .flatMap(x -> conn.query("select table_name from tenant_placed_tables()").execute())
                .flatMap(rows -> {
                    rows.forEach(r -> m.tables.add(r.getString(0)));
                    // what an earlier interrupted attempt left on the target side (nobody reads it)
                    return cleanTarget(conn, m);
                })
                .flatMap(x -> arm(conn, side, m))
                .flatMap(x -> {
                    long copyStart = System.nanoTime();
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (String table : m.tables) {
                        chain = chain.flatMap(y -> copyTable(conn, side, m, table, null));
                    }
                    return chain.invoke(() -> m.copyMs = (System.nanoTime() - copyStart) / 1_000_000);
                })
                .flatMap(x -> finalStep(conn, side, m))
                .flatMap(x -> progress(side, id, "clean", m.total, m.counts, null))
                .flatMap(x -> cleanSide(conn, m, m.from, true))
                .flatMap(x -> finish(side, m, "succeeded", null, m.pauseNanos / 1_000_000, m.noted, began));
        return work.onFailure().recoverWithUni(failure -> m.flipped ? finish(side, m, "succeeded",
                "the old side's rows are not all deleted yet (the tenant's next move, or this replica's next start, deletes them): "
                        + failure.getMessage(), m.pauseNanos / 1_000_000, m.noted, began)
                : conn.query("ROLLBACK").execute().onFailure().recoverWithNull()
                        // the tenant is wholly on the old side: stop noting its changes and empty what was copied
                        .flatMap(x -> disarmAndClean(side, m)).onFailure().invoke(e -> LOG.warnf("placement move %d: the target side is not cleaned yet (%s); the next attempt cleans it",
                                id, e.getMessage())).onFailure().recoverWithNull()
                        .flatMap(x -> finish(side, m, "failed", String.valueOf(failure.getMessage()), null, null, began)))
                .onFailure().recoverWithUni(failure -> finish(pool, m, "failed", String.valueOf(failure.getMessage()), null, null, began))
                .eventually(() -> conn.close().onFailure().recoverWithNull())
                .eventually(() -> side.close().onFailure().recoverWithNull())
                .eventually(() -> moving.remove(tenant))
                .invoke(r -> LOG.infof("placement move %d of tenant %s to %s: %s, %d rows, copy %s ms, pause %s ms, final step attempts %s, %s ms%s", id, tenant,
                        target, r.status(), r.rowsMoved(), m.copyMs, r.pauseMs(), r.attempts(), r.durationMs(), r.error() == null ? "" : " (" + r.error() + ")"));
    }

    /** A move's state on this replica. */
    private static final class Move {
        final long id;
        final UUID tenant;
        final String target;
        final String from;
        final String to;
        final List<String> tables = new ArrayList<>();
        final Map<String, Object> counts = Collections.synchronizedMap(new java.util.LinkedHashMap<>());
        long total;
        long pauseNanos;
        Long copyMs;
        long noted;
        Integer attempts;
        boolean flipped;

        Move(long id, UUID tenant, String target, String from, String to) {
            this.id = id;
            this.tenant = tenant;
            this.target = target;
            this.from = from;
            this.to = to;
        }

        List<String> childrenFirst() {
            List<String> reversed = new ArrayList<>(tables);
            Collections.reverse(reversed);
            return reversed;
        }
    }

    /**
     * Turns the change log on: a short exclusive hold of the tenant's lock, so every tenant transaction that began
     * before the log was on has ended (those after it read {@code tenant_moves_logging} after their share lock and note
     * their changes). Counted in the pause.
     */
    private Uni<Void> arm(PgConnection conn, SqlClient side, Move m) {
        long[] locked = new long[1];
        return progress(side, m.id, "arm", 0, m.counts, null)
                .flatMap(x -> conn.query("BEGIN").execute())
                .flatMap(x -> conn.preparedQuery("select set_config('app.tenant_id', $1, true), set_config('lock_timeout', $2, true)")
                        .execute(Tuple.of(m.tenant.toString(), LOCK_WAIT)))
                .flatMap(x -> conn.preparedQuery("select pg_advisory_xact_lock(tenant_lock_key($1))").execute(Tuple.of(m.tenant)))
                .invoke(() -> locked[0] = System.nanoTime())
                .flatMap(x -> checkPlacement(conn, m))
                .flatMap(x -> conn.preparedQuery("insert into tenant_moves_logging (tenant, move_id) values ($1, $2) "
                        + "on conflict (tenant) do update set move_id = excluded.move_id, armed_at = now()").execute(Tuple.of(m.tenant, m.id)))
                .flatMap(x -> conn.preparedQuery("select tenant_move_log_clear($1)").execute(Tuple.of(m.tenant)))
                .flatMap(x -> conn.query("COMMIT").execute())
                .invoke(() -> m.pauseNanos += System.nanoTime() - locked[0])
                .replaceWithVoid();
    }

    private static Uni<Void> checkPlacement(SqlClient conn, Move m) {
        return conn.preparedQuery("select placement from tenants where id = $1").execute(Tuple.of(m.tenant)).flatMap(rows -> {
            if (rows.size() == 0 || m.target.equals(rows.iterator().next().getString(0))) {
                return Uni.createFrom().failure(ProblemException.conflict("The tenant is gone or already " + m.target));
            }
            return Uni.createFrom().voidItem();
        });
    }

    /** One table, batch after batch in key order, each batch its own transaction (no lock: the tenant keeps writing). */
    private Uni<Void> copyTable(PgConnection conn, SqlClient side, Move m, String table, JsonObject after) {
        return inMoveTx(conn, m.tenant, "select copied, last_key from tenant_move_copy_batch($1, $2, $3, $4, $5, $6)",
                Tuple.of(m.tenant, table, m.from, m.to).addValue(after).addInteger(BATCH))
                .flatMap(rows -> {
                    Row r = rows.iterator().next();
                    long n = r.getLong(0);
                    m.total += n;
                    m.counts.merge(table, n, (a, b) -> ((Number) a).longValue() + ((Number) b).longValue());
                    Object last = r.getValue(1);
                    Uni<Void> shown = progress(side, m.id, "copy " + table, m.total, m.counts, null);
                    if (n < BATCH || !(last instanceof JsonObject next)) {
                        return shown;
                    }
                    return shown.flatMap(x -> copyTable(conn, side, m, table, next));
                });
    }

    /**
     * The final step, tried again when the tenant's lock is not granted within {@link #LOCK_WAIT} (a transaction of the
     * tenant runs long: an upload, a slow client): up to {@link #FINAL_ATTEMPTS} attempts, {@link #RETRY_PAUSE_MS} apart.
     * A failed attempt changed nothing (rolled back) and the log stays armed, so the copy stays valid and the next
     * attempt copies again the rows noted meanwhile. Any other failure ends the move at once.
     */
    private Uni<Void> finalStep(PgConnection conn, SqlClient side, Move m) {
        m.attempts = m.attempts == null ? 1 : m.attempts + 1;
        return finalAttempt(conn, side, m).onFailure(TenantPlacement::lockNotGranted).recoverWithUni(failure -> {
            Uni<Void> rolledBack = conn.query("ROLLBACK").execute().replaceWithVoid();
            if (m.attempts >= FINAL_ATTEMPTS) {
                return rolledBack.flatMap(x -> Uni.createFrom().failure(new IllegalStateException("the tenant's lock was not granted within "
                        + LOCK_WAIT + " in " + m.attempts + " attempts (a transaction of the tenant ran longer): " + failure.getMessage(), failure)));
            }
            LOG.infof("placement move %d: attempt %d of the final step did not get the tenant's lock within %s; trying again", m.id, m.attempts, LOCK_WAIT);
            return rolledBack.flatMap(x -> pause(RETRY_PAUSE_MS)).flatMap(x -> finalStep(conn, side, m));
        });
    }

    private static boolean lockNotGranted(Throwable failure) {
        return failure instanceof PgException pg && LOCK_NOT_AVAILABLE.equals(pg.getSqlState());
    }

    private Uni<Void> pause(long ms) {
        return Uni.createFrom().emitter(e -> vertx.setTimer(ms, t -> e.complete(null)));
    }

    /**
     * One attempt of the pause: the tenant's lock exclusively, then in one transaction the copy brought up to date (rows
     * the old side no longer has pruned, children first; the noted rows copied again, parents first), the sequences
     * aligned and the placement flipped.
     */
    private Uni<Void> finalAttempt(PgConnection conn, SqlClient side, Move m) {
        long[] locked = new long[1];
        Uni<Void> work = progress(side, m.id, "final", m.total, m.counts, null, m.attempts)
                .flatMap(x -> conn.query("BEGIN").execute())
                .flatMap(x -> conn.preparedQuery("select set_config('app.tenant_id', $1, true), set_config('app.placement_move', 'on', true), "
                        + "set_config('lock_timeout', $2, true)").execute(Tuple.of(m.tenant.toString(), LOCK_WAIT)))
                .flatMap(x -> conn.preparedQuery("select pg_advisory_xact_lock(tenant_lock_key($1))").execute(Tuple.of(m.tenant)))
                .invoke(() -> locked[0] = System.nanoTime())
                .flatMap(x -> conn.query("select set_config('lock_timeout', '0', true)").execute())
                .flatMap(x -> checkPlacement(conn, m));
        // prune, copy the noted rows again, delete the old side: one function, one round trip
        work = work.flatMap(x -> conn.preparedQuery("select tenant_move_finish($1, $2, $3)").execute(Tuple.of(m.tenant, m.from, m.to))
                .invoke(rows -> m.noted = rows.iterator().next().getLong(0)).replaceWithVoid());
        return work.flatMap(x -> conn.preparedQuery("select tenant_align_sequences($1)").execute(Tuple.of(m.tenant)))
                .flatMap(x -> conn.preparedQuery("select tenant_set_placement($1, $2)").execute(Tuple.of(m.tenant, m.target)))
                .flatMap(x -> conn.preparedQuery("delete from tenant_moves_logging where tenant = $1").execute(Tuple.of(m.tenant)))
                .flatMap(x -> conn.preparedQuery("select tenant_move_log_clear($1)").execute(Tuple.of(m.tenant)))
                .flatMap(x -> conn.query("COMMIT").execute())
                .invoke(() -> {
                    m.pauseNanos += System.nanoTime() - locked[0];
                    m.flipped = true;
                })
                .replaceWithVoid();
    }

    /** After a failure: the log off, the target side emptied of the tenant's rows (unless the move did flip). */
    private static Uni<Void> disarmAndClean(SqlClient c, Move m) {
        return c.preparedQuery("delete from tenant_moves_logging where tenant = $1 and move_id = $2").execute(Tuple.of(m.tenant, m.id))
                .flatMap(x -> c.preparedQuery("select tenant_move_log_clear($1)").execute(Tuple.of(m.tenant)))
                .flatMap(x -> m.tables.isEmpty() ? Uni.createFrom().voidItem() : cleanTarget(c, m));
    }

    private static Uni<Void> cleanTarget(SqlClient c, Move m) {
        return cleanSide(c, m, m.to, false);
    }

    /**
     * The tenant's rows of one side deleted in batches, children first: the target side only while the tenant is not on
     * it (a move that did flip is never cleaned away), the source side only once it has flipped.
     */
    private static Uni<Void> cleanSide(SqlClient c, Move m, String schema, boolean flipped) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (String table : m.childrenFirst()) {
            chain = chain.flatMap(x -> cleanTable(c, m, schema, table, flipped));
        }
        return chain;
    }

    private static Uni<Void> cleanTable(SqlClient c, Move m, String schema, String table, boolean flipped) {
        String guard = flipped ? "placement = $5" : "placement <> $5";
        return inMoveTx(c, m.tenant, "select tenant_move_delete_batch($1, $2, $3, $4) from tenants where id = $1 and " + guard,
                Tuple.of(m.tenant, table, schema, BATCH, m.target)).flatMap(rows -> {
                    if (rows.size() == 0 || rows.iterator().next().getLong(0) < BATCH) {
                        return Uni.createFrom().voidItem();
                    }
                    return cleanTable(c, m, schema, table, flipped);
                });
    }

    /** One statement in a transaction of its own under the tenant's RLS scope, as a move's step (not counted as usage). */
    private static Uni<RowSet<Row>> inMoveTx(SqlClient c, UUID tenant, String sql, Tuple args) {
        return Uni.combine().all().unis(c.query("BEGIN").execute(),
                c.preparedQuery("select set_config('app.tenant_id', $1, true), set_config('app.placement_move', 'on', true)")
                        .execute(Tuple.of(tenant.toString())),
                c.preparedQuery(sql).execute(args), c.query("COMMIT").execute())
                .with((begun, scoped, rows, committed) -> rows);
    }

    private static Uni<Void> progress(SqlClient side, long id, String phase, long rows, Map<String, Object> counts, Integer pid) {
        return progress(side, id, phase, rows, counts, pid, null);
    }

    private static Uni<Void> progress(SqlClient side, long id, String phase, long rows, Map<String, Object> counts, Integer pid, Integer attempts) {
        JsonObject tables;
        synchronized (counts) {
            tables = new JsonObject(new java.util.LinkedHashMap<>(counts));
        }
        return side.preparedQuery("""
                update tenant_placement_moves set phase = $2, rows_moved = $3, tables = $4, backend_pid = coalesce($5, backend_pid),
                       attempts = coalesce($6, attempts)
                 where id = $1
                """).execute(Tuple.of(id, phase, rows, tables, pid, attempts)).replaceWithVoid();
    }

    /** The move's end in its record; a record that is gone (its tenant purged meanwhile) fails the Uni. */
    private static Uni<PlacementMove> finish(SqlClient side, Move m, String status, String error, Long pauseMs, Long noted, long began) {
        return side.preparedQuery("""
                update tenant_placement_moves set status = $2, error = $3, pause_ms = $4, duration_ms = $5, finished_at = now(),
                       copy_ms = $6, noted_rows = $7, attempts = $8, phase = case when $2 = 'succeeded' then 'done' else phase end
                 where id = $1 returning *
                """).execute(Tuple.tuple().addLong(m.id).addString(status).addString(error).addLong(pauseMs)
                .addLong((System.nanoTime() - began) / 1_000_000).addLong(m.copyMs).addLong(noted).addInteger(m.attempts))
                .map(rows -> toMove(Rows.first(rows).orElseThrow(() -> new IllegalStateException("placement move " + m.id + " has no record"))));
    }

    /** {@code tenant_<32 hex>}: V22's tenant_schema_name. */
    public static String schemaName(UUID tenant) {
        return "tenant_" + tenant.toString().replace("-", "");
    }

    private static PlacementMove toMove(Row r) {
        Object tables = r.getValue("tables");
        Map<String, Object> t = tables instanceof JsonObject j ? j.getMap() : Map.of();
        return new PlacementMove(r.getLong("id"), r.getUUID("tenant"), r.getString("target"), r.getString("status"), r.getString("phase"),
                r.getLong("rows_moved"), t, r.getLong("copy_ms"), r.getLong("noted_rows"), r.getInteger("attempts"), r.getLong("pause_ms"),
                r.getLong("duration_ms"), r.getString("error"), r.getString("replica"), r.getOffsetDateTime("started_at"), r.getOffsetDateTime("finished_at"));
    }
}
