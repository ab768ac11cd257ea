package dev.onebase.db;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The one way to touch tenant data: a transaction on one pooled connection whose first act is
 * {@code set_config('app.tenant_id', id, true)}, so Row-Level Security fences every statement of the work.
 *
 * <p>BEGIN, the tenant setting and the work's first statement are sent together without waiting for each other
 * (the connection pipelines them and runs them in order), then COMMIT; a failure or a cancelled request rolls
 * back. The setting is transaction-local, so it never outlives the transaction on the pooled connection.
 *
 * <p>Work must let SQL failures propagate: PostgreSQL turns the COMMIT of an aborted transaction into a rollback.
 *
 * <p>The hottest calls use {@link #call} / {@link #callShared}: a database function that takes the tenant first and
 * whose first act is the same scope ({@code tenant_scope}, or {@code tenant_scope_read} for a STABLE read that must not
 * wait), so the scoped transaction is the statement's own and costs one command.
 *
 * <p>The placement is never remembered here: it is read inside the transaction, after the tenant's lock, so a move
 * (docs/tenants.md#placement) is seen by the next transaction of the tenant on every replica at once.
 */
@ApplicationScoped
public class TenantTx {

    /**
     * V21's {@code tenant_scope}: {@code app.tenant_id}, the tenant's lock in share mode (a placement move takes it
     * exclusive) and the tenant's placement as a transaction-local {@code search_path} ({@code tenant_<id>, public} for a
     * tenant in a schema of its own, {@code public} otherwise), all {@code set_config(..., true)}: one statement, sent
     * with BEGIN and the work's first statement, so it costs no round trip of its own.
     */
    private static final String SCOPE = "select tenant_scope($1::uuid)";

    /**
     * V26's {@code tenant_scope_shared}: {@code app.tenant_id} and {@code search_path} public, without the tenant's lock,
     * for work on the tables that stay shared whatever the placement ({@code placement_shared_tables}): it never waits
     * for a placement move's pause.
     */
    private static final String SHARED_SCOPE = "select tenant_scope_shared($1::uuid)";

    private final Pool pool;
    private final PipelinedClient pipelined;

    public TenantTx(Pool pool, PipelinedClient pipelined) {
        this.pool = pool;
        this.pipelined = pipelined;
    }

    public <T> Uni<T> run(UUID tenantId, Function<SqlConnection, Uni<T>> work) {
        Tuple scope = Tuple.of(tenantId.toString());
        return acquire().flatMap(conn -> {
            AtomicBoolean finished = new AtomicBoolean();
            FencedConnection fence = new FencedConnection(conn.getDelegate());
            SqlConnection forWork = SqlConnection.newInstance(fence);
            return Uni.combine().all()
                    .unis(conn.query("BEGIN").execute(), conn.preparedQuery(SCOPE).execute(scope),
                            Uni.createFrom().deferred(() -> work.apply(forWork)))
                    .with((begun, scoped, result) -> result)
                    .onItemOrFailure().transformToUni((result, failure) -> finish(conn, fence, failure == null, finished)
                            .onItem().transformToUni(ignored -> failure == null ? Uni.createFrom().item(result) : Uni.createFrom().<T>failure(failure))
                            .onFailure().transform(endFailure -> failure != null ? failure : endFailure))
                    .onCancellation().invoke(() -> finish(conn, fence, false, finished).subscribe().with(x -> {
                    }, x -> {
                    }));
        });
    }

    /**
     * A connection of the pool; one that arrives after the caller has gone (a request cancelled while it waited) goes
     * straight back, where Mutiny alone would drop it and the pool would be a connection short for good.
     */
    private Uni<SqlConnection> acquire() {
        AtomicReference<Object> state = new AtomicReference<>();
        return Uni.createFrom().<io.vertx.sqlclient.SqlConnection>emitter(em -> pool.getDelegate().getConnection().onComplete(got -> {
            if (got.failed()) {
                em.fail(got.cause());
            } else if (!state.compareAndSet(null, got.result())) {
                got.result().close();
            } else {
                em.complete(got.result());
            }
        })).onCancellation().invoke(() -> {
            if (state.getAndSet(GONE) instanceof io.vertx.sqlclient.SqlConnection c) {
                c.close();
            }
        }).map(SqlConnection::newInstance);
    }

    private static final Object GONE = new Object();

    /**
     * The fast path for work that is a single statement: BEGIN, the tenant setting, the statement and COMMIT all go
     * out in one round trip. If the statement fails, PostgreSQL turns that COMMIT into a rollback (so there is nothing
     * left to roll back afterwards).
     */
    public Uni<RowSet<Row>> statement(UUID tenantId, String sql, Tuple args) {
        return statement(SCOPE, tenantId, sql, args);
    }

    /**
     * The same for a statement that touches only the tables that stay shared whatever the tenant's placement
     * ({@code placement_shared_tables}: the API key lookup, the request-limit lease): RLS-fenced to the tenant, but it
     * takes no placement lock, so it does not wait while the tenant's data moves.
     */
    public Uni<RowSet<Row>> sharedTablesStatement(UUID tenantId, String sql, Tuple args) {
        return statement(SHARED_SCOPE, tenantId, sql, args);
    }

    private Uni<RowSet<Row>> statement(String scopeSql, UUID tenantId, String sql, Tuple args) {
        Tuple scope = Tuple.of(tenantId.toString());
        return pool.withConnection(conn -> Uni.combine().all()
                .unis(conn.query("BEGIN").execute(), conn.preparedQuery(scopeSql).execute(scope), conn.preparedQuery(sql).execute(args),
                        conn.query("COMMIT").execute())
                .with((begun, scoped, rows, committed) -> rows));
    }

    /**
     * One tenant function, one command, on a pooled connection of its own: {@code select <columns> from
     * <function>($1, ...)} with the tenant as $1 and {@code args} after it. The function (SECURITY INVOKER) must begin
     * with {@code perform tenant_scope(p_tenant)} (writes) or {@code tenant_scope_read(p_tenant)} (STABLE reads); the
     * settings die with the statement's
     * implicit transaction, so nothing is left on the connection.
     */
    public Uni<RowSet<Row>> call(UUID tenantId, String select, Tuple args) {
        return pool.preparedQuery(select).execute(withTenant(tenantId, args));
    }

    /**
     * The same for a function that only reads (it never waits on a row lock), on the connections concurrent requests
     * share ({@link PipelinedClient}): a command that waited there would hold up every command queued behind it.
     */
    public Uni<RowSet<Row>> callShared(UUID tenantId, String select, Tuple args) {
        return pipelined.client().preparedQuery(select).execute(withTenant(tenantId, args));
    }

    private static Tuple withTenant(UUID tenantId, Tuple args) {
        Tuple scoped = Tuple.tuple().addUUID(tenantId);
        for (int i = 0; i < args.size(); i++) {
            scoped.addValue(args.getValue(i));
        }
        return scoped;
    }

    /**
     * COMMIT or ROLLBACK (once), then the connection goes back to the pool whatever happened. The work's handle is
     * fenced first, so nothing it still sends can follow the end of the transaction onto the connection.
     */
    private static Uni<Void> finish(SqlConnection conn, FencedConnection fence, boolean commit, AtomicBoolean finished) {
        if (!finished.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        fence.fence();
        return conn.query(commit ? "COMMIT" : "ROLLBACK").execute().replaceWithVoid()
                .onFailure().call(() -> commit ? conn.query("ROLLBACK").execute().onFailure().recoverWithNull() : Uni.createFrom().voidItem())
                .eventually(conn::close);
    }
}
