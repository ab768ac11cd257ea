package dev.onebase.file;

import dev.onebase.file.FileRecords.Stored;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reads the bytes [start, end) of stored content one chunk at a time, the next chunk already being read while the
 * current one is used: the one read loop behind every download (file routes, S3 GetObject), copy and thumbnail.
 * Inline content is one slice; a large object is read with {@code file_lo_get}, content made of segments with
 * {@code file_segments_get} (V16), which reads across segment boundaries. Both check the tenant's ownership (V9).
 */
final class ChunkReader {

    /** Checks that the object is one of the tenant's ($1) before reading it (V9: the request role cannot read it itself). */
    static final String LO_GET = "select file_lo_get($1, $2::int8, $3::int8, $4::int4)";
    static final String SEGMENTS_GET = "select file_segments_get($1, $2, $3::int4, $4::int8, $5::int4)";

    private final SqlClient client;
    private final Stored s;
    private final long end;
    private final int chunk;
    private long pos;
    private Uni<Buffer> ahead;

    ChunkReader(SqlClient client, Stored s, long start, long end, int chunk) {
        this.client = client;
        this.s = s;
        this.pos = start;
        this.end = end;
        this.chunk = chunk;
    }

    /** Whether a chunk remains (one being read counts). */
    boolean hasNext() {
        return ahead != null || pos < end;
    }

    /** The next chunk; the one after it starts being read now. */
    Uni<Buffer> next() {
        Uni<Buffer> current = ahead != null ? ahead : fetch();
        ahead = pos < end ? fetch() : null;
        return current;
    }

    private Uni<Buffer> fetch() {
        int n = (int) Math.min(chunk, end - pos);
        long at = pos;
        pos += n;
        Uni<Buffer> read = read(client, s, at, n).memoize().indefinitely();
        read.subscribe().with(x -> {
        }, x -> {
        });
        return read;
    }

    /** The n bytes at {@code at} of stored content (whole, or refused as shorter than its row says). */
    static Uni<Buffer> read(SqlClient client, Stored s, long at, int n) {
        if (s.content() != null) {
            return Uni.createFrom().item(s.content().slice((int) at, (int) at + n));
        }
        Uni<io.vertx.mutiny.sqlclient.RowSet<io.vertx.mutiny.sqlclient.Row>> rows;
        if (s.loOid() != null) {
            rows = client.preparedQuery(LO_GET).execute(Tuple.of(s.tenantId(), s.loOid(), at, n));
        } else if (FileRecords.SEGMENTS.equals(s.storage())) {
            rows = client.preparedQuery(SEGMENTS_GET).execute(Tuple.of(s.tenantId(), s.id(), s.version(), at, n));
        } else {
            return Uni.createFrom().failure(new IllegalStateException("file " + s.id() + " has no stored content here"));
        }
        return rows.map(r -> {
            Buffer b = r.iterator().next().getBuffer(0).getDelegate();
            if (b.length() != n) {
                throw new IllegalStateException("the content of file " + s.id() + " is shorter than its row says");
            }
            return b;
        });
    }
}
