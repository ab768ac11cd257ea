package dev.onebase.db;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Collector;

import org.jboss.logging.Logger;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.PreparedStatement;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.spi.DatabaseMetadata;

/**
 * A pooled connection as the work of one transaction sees it: once the transaction ends ({@link #fence()}), nothing
 * more can be sent through it.
 *
 * <p>Why: Vert.x 4.5's pool hands a connection to its next borrower as soon as it is closed, and a command sent through
 * the old holder's handle afterwards still goes out on it (the pool checks the holder on close, not on send). A
 * statement that a finished transaction's work sent late (a callback of an upload or a read that was already under
 * way) then ran inside another request's transaction, and when it failed, that transaction was aborted: the other
 * request got "current transaction is aborted" (25P02) for something it never did. Here the late statement fails on
 * its own, with an error that names it, and the connection's next holder is untouched.
 */
final class FencedConnection implements SqlConnection {

    private static final Logger LOG = Logger.getLogger(FencedConnection.class);

    private final SqlConnection conn;
    private volatile boolean fenced;

    FencedConnection(SqlConnection conn) {
        this.conn = conn;
    }

    /** From now on every command through this handle fails; the connection itself is still the caller's to end. */
    void fence() {
        fenced = true;
    }

    private <T> Future<T> refused(String sql) {
        IllegalStateException e = new IllegalStateException("a statement was sent after its transaction had ended (" + abbreviate(sql)
                + "); it was not run, since the connection may already serve another request");
        LOG.warn(e.getMessage(), e);
        return Future.failedFuture(e);
    }

    private static String abbreviate(String sql) {
        String one = sql.replaceAll("\\s+", " ").trim();
        return one.length() > 80 ? one.substring(0, 80) + "..." : one;
    }

    @Override
    public Query<RowSet<Row>> query(String sql) {
        return new FencedQuery<>(sql, conn.query(sql));
    }

    @Override
    public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
        return new FencedPreparedQuery<>(sql, conn.preparedQuery(sql));
    }

    @Override
    public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
        return new FencedPreparedQuery<>(sql, conn.preparedQuery(sql, options));
    }

    @Override
    public Future<PreparedStatement> prepare(String sql) {
        return fenced ? refused(sql) : conn.prepare(sql);
    }

    @Override
    public SqlConnection prepare(String sql, Handler<AsyncResult<PreparedStatement>> handler) {
        prepare(sql).onComplete(handler);
        return this;
    }

    @Override
    public Future<PreparedStatement> prepare(String sql, PrepareOptions options) {
        return fenced ? refused(sql) : conn.prepare(sql, options);
    }

    @Override
    public SqlConnection prepare(String sql, PrepareOptions options, Handler<AsyncResult<PreparedStatement>> handler) {
        prepare(sql, options).onComplete(handler);
        return this;
    }

    @Override
    public SqlConnection exceptionHandler(Handler<Throwable> handler) {
        conn.exceptionHandler(handler);
        return this;
    }

    @Override
    public SqlConnection closeHandler(Handler<Void> handler) {
        conn.closeHandler(handler);
        return this;
    }

    @Override
    public Future<Transaction> begin() {
        return fenced ? refused("BEGIN") : conn.begin();
    }

    @Override
    public void begin(Handler<AsyncResult<Transaction>> handler) {
        begin().onComplete(handler);
    }

    @Override
    public Transaction transaction() {
        return conn.transaction();
    }

    @Override
    public boolean isSSL() {
        return conn.isSSL();
    }

    @Override
    public DatabaseMetadata databaseMetadata() {
        return conn.databaseMetadata();
    }

    /** The transaction's work does not end its connection: the transaction does, when it ends. */
    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }

    @Override
    public void close(Handler<AsyncResult<Void>> handler) {
        close().onComplete(handler);
    }

    private class FencedQuery<T> implements Query<T> {
        final String sql;
        private final Query<T> query;

        FencedQuery(String sql, Query<T> query) {
            this.sql = sql;
            this.query = query;
        }

        @Override
        public Future<T> execute() {
            return fenced ? refused(sql) : query.execute();
        }

        @Override
        public void execute(Handler<AsyncResult<T>> handler) {
            execute().onComplete(handler);
        }

        @Override
        public <R> Query<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
            return new FencedQuery<>(sql, query.collecting(collector));
        }

        @Override
        public <U> Query<RowSet<U>> mapping(Function<Row, U> mapper) {
            return new FencedQuery<>(sql, query.mapping(mapper));
        }
    }

    private final class FencedPreparedQuery<T> extends FencedQuery<T> implements PreparedQuery<T> {
        private final PreparedQuery<T> prepared;

        FencedPreparedQuery(String sql, PreparedQuery<T> prepared) {
            super(sql, prepared);
            this.prepared = prepared;
        }

        @Override
        public Future<T> execute(Tuple tuple) {
            return fenced ? refused(sql) : prepared.execute(tuple);
        }

        @Override
        public void execute(Tuple tuple, Handler<AsyncResult<T>> handler) {
            execute(tuple).onComplete(handler);
        }

        @Override
        public Future<T> executeBatch(List<Tuple> batch) {
            return fenced ? refused(sql) : prepared.executeBatch(batch);
        }

        @Override
        public void executeBatch(List<Tuple> batch, Handler<AsyncResult<T>> handler) {
            executeBatch(batch).onComplete(handler);
        }

        @Override
        public <R> PreparedQuery<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
            return new FencedPreparedQuery<>(sql, prepared.collecting(collector));
        }

        @Override
        public <U> PreparedQuery<RowSet<U>> mapping(Function<Row, U> mapper) {
            return new FencedPreparedQuery<>(sql, prepared.mapping(mapper));
        }
    }
}
