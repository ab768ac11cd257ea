package dev.onebase.file;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Deque;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;

import dev.onebase.web.ProblemException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Takes an upload's body chunk by chunk inside its transaction: hashes it, counts it against the plan's file-size
 * limit and the tenant's quota, keeps it in memory only while it is at most the inline threshold, and past that
 * writes it into a large object with {@code lo_put}, one chunk in flight while the next one is read. The chunk
 * buffers are reused (at most three per upload: one written, one waiting, one filling): a chunk fills over many body
 * pieces, so a fresh buffer per chunk outlived young collections and left the old generation full of dead chunks,
 * which at -Xmx64m kept G1 collecting back to back under aws-cli's ten parallel part uploads.
 */
final class UploadWriter {

    /** The object belongs to the admin role and is registered to the tenant (V9); the request role cannot touch it itself. */
    static final String LO_CREATE = "select file_lo_create($1)";
    static final String LO_PUT = "select file_lo_put($1, $2::int8, $3::int8, $4)";

    /** What the plan allows and what the tenant already uses, read at the start of the upload's transaction. */
    record Limits(long maxFileBytes, long storageBytes, long used) {

        long room() {
            return Math.min(maxFileBytes, storageBytes - used);
        }

        ProblemException tooLarge(long size) {
            if (size > maxFileBytes) {
                return ProblemException.tooLarge("The file is larger than the plan allows (" + maxFileBytes + " bytes per file)");
            }
            return ProblemException.tooLarge("The upload would exceed the tenant's storage quota (" + used + " of "
                    + storageBytes + " bytes used)");
        }
    }

    /** The finished content: inline bytes, or a large object. */
    record Written(long size, byte[] sha256, String contentType, Buffer inline, Long loOid) {
        String storage() {
            return loOid == null ? "bytea" : "large_object";
        }
    }

    private final SqlConnection conn;
    private final UUID tenant;
    private final Limits limits;
    private final long threshold;
    private final int chunk;
    private final String declaredType;
    private final MessageDigest sha;
    private final byte[] head = new byte[ContentTypes.HEAD];
    private int headLen;
    private long size;
    private ByteBuf pending;
    private final Deque<ByteBuf> free = new ConcurrentLinkedDeque<>();
    private Long oid;
    private long written;
    private Uni<Void> inFlight = Uni.createFrom().voidItem();

    UploadWriter(SqlConnection conn, UUID tenant, Limits limits, long threshold, int chunk, String declaredType) {
        this.conn = conn;
        this.tenant = tenant;
        this.limits = limits;
        this.threshold = threshold;
        this.chunk = chunk;
        this.declaredType = declaredType;
        this.pending = Unpooled.buffer((int) Math.min(threshold + 1, chunk) + 65536);
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Uni<Void> accept(Buffer data) {
        int n = data.length();
        if (n == 0) {
            return Uni.createFrom().voidItem();
        }
        size += n;
        if (size > limits.room()) {
            return Uni.createFrom().failure(limits.tooLarge(size));
        }
        sha.update(data.getByteBuf().nioBuffer());
        if (headLen < head.length) {
            int take = Math.min(head.length - headLen, n);
            data.getBytes(0, take, head, headLen);
            headLen += take;
        }
        pending.writeBytes(data.getByteBuf());
        if (oid == null && pending.readableBytes() <= threshold) {
            return Uni.createFrom().voidItem();
        }
        if (pending.readableBytes() < chunk && oid != null) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> created = oid != null ? Uni.createFrom().voidItem()
                : conn.preparedQuery(LO_CREATE).execute(Tuple.of(tenant)).invoke(rows -> oid = rows.iterator().next().getLong(0)).replaceWithVoid();
        return created.flatMap(ignored -> pending.readableBytes() >= chunk ? flush() : Uni.createFrom().voidItem());
    }

    /**
     * Sends what is pending as one lo_put without waiting for it, after the previous one has finished: the next
     * chunk is read from the client while this one is written.
     */
    private Uni<Void> flush() {
        ByteBuf data = pending;
        long offset = written;
        written += data.readableBytes();
        ByteBuf reused = free.poll();
        pending = reused != null ? reused : Unpooled.buffer(chunk + 65536);
        Uni<Void> previous = inFlight;
        return previous.invoke(() -> {
            // the statement is encoded when it is sent, so once it has answered its buffer can be filled again
            Uni<Void> put = conn.preparedQuery(LO_PUT).execute(Tuple.of(tenant, oid, offset, Buffer.buffer(data.duplicate())))
                    .invoke(() -> {
                        data.clear();
                        free.push(data);
                    })
                    .replaceWithVoid().memoize().indefinitely();
            put.subscribe().with(x -> {
            }, x -> {
            });
            inFlight = put;
        });
    }

    Uni<Written> finish() {
        String type = ContentTypes.resolve(declaredType, head, headLen);
        if (oid == null) {
            return Uni.createFrom().item(new Written(size, sha.digest(), type, Buffer.buffer(pending), null));
        }
        Uni<Void> last = pending.readableBytes() > 0 ? flush() : Uni.createFrom().voidItem();
        return last.flatMap(ignored -> inFlight).map(ignored -> new Written(size, sha.digest(), type, null, oid));
    }
}
