package dev.onebase.db;

import java.util.Optional;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;

/** Small readers of query results. */
public final class Rows {

    private Rows() {
    }

    /** The first row, if the statement returned any. */
    public static Optional<Row> first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }
}
