package dev.onebase.s3;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.file.FileStore;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/** The SQL of what S3 adds to files: buckets, each object version's S3 metadata, multipart uploads and parts. */
@ApplicationScoped
public class S3Store {

    private final TenantTx tx;

    public S3Store(TenantTx tx) {
        this.tx = tx;
    }

    record Bucket(String name, java.time.OffsetDateTime createdAt) {
    }

    /** The S3 view of one object version: its ETag, kept headers and user metadata. */
    record Meta(String etag, JsonObject headers, JsonObject userMeta) {
        static final Meta NONE = new Meta(null, new JsonObject(), new JsonObject());
    }

    record Upload(UUID id, String bucket, String key, String contentType, JsonObject headers, JsonObject userMeta,
            java.time.OffsetDateTime createdAt) {
    }

    record Part(int number, long size, byte[] md5, java.time.OffsetDateTime createdAt) {
        String etag() {
            return "\"" + SigV4.hex(md5) + "\"";
        }
    }

    // --- buckets ---

    Uni<List<Bucket>> buckets(UUID tenant) {
        return tx.statement(tenant, "select name, created_at from s3_buckets order by name", Tuple.tuple()).map(rows -> {
            List<Bucket> out = new ArrayList<>();
            rows.forEach(r -> out.add(new Bucket(r.getString("name"), r.getOffsetDateTime("created_at"))));
            return out;
        });
    }

    Uni<Boolean> bucketRecorded(UUID tenant, String name) {
        return tx.statement(tenant, "select 1 from s3_buckets where name = $1", Tuple.of(name)).map(rows -> rows.size() > 0);
    }

    /** False when the tenant already has it. */
    Uni<Boolean> createBucket(UUID tenant, String name) {
        return tx.statement(tenant, "insert into s3_buckets (tenant_id, name) values ($1, $2) on conflict do nothing", Tuple.of(tenant, name))
                .map(rows -> rows.rowCount() == 1)
                .onFailure(PgException.class).transform(e -> "23514".equals(((PgException) e).getSqlState())
                        ? new S3Error(400, "InvalidBucketName", "The specified bucket is not valid.") : e);
    }

    Uni<Boolean> deleteBucket(UUID tenant, String name) {
        return tx.statement(tenant, "delete from s3_buckets where name = $1", Tuple.of(name)).map(rows -> rows.rowCount() == 1);
    }

    Uni<Optional<String>> cors(UUID tenant, String bucket) {
        return tx.statement(tenant, "select cors from s3_buckets where name = $1", Tuple.of(bucket))
                .map(rows -> Rows.first(rows).map(r -> r.getString("cors")));
    }

    /** Sets (or with null removes) a bucket's CORS configuration; records an implicit bucket on the way. */
    Uni<Void> setCors(UUID tenant, String bucket, String xml) {
        return tx.statement(tenant, """
                insert into s3_buckets (tenant_id, name, cors) values ($1, $2, $3)
                on conflict (tenant_id, name) do update set cors = excluded.cors
                """, Tuple.of(tenant, bucket, xml)).replaceWithVoid();
    }

    // --- object metadata ---

    private static final String PUT_META = """
            insert into s3_object_meta (tenant_id, file_id, version, sha256, etag, headers, user_meta) values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (tenant_id, file_id, version) do update set sha256 = excluded.sha256, etag = excluded.etag,
                headers = excluded.headers, user_meta = excluded.user_meta
            """;

    /** The S3 view of a version, written in the transaction that saves the version ({@code conn}, the tenant's). */
    Uni<Void> putMeta(SqlConnection conn, UUID tenant, FileStore.Saved saved, String etag, JsonObject headers, JsonObject userMeta) {
        return conn.preparedQuery(PUT_META).execute(Tuple.from(List.of(tenant, saved.file().id(), saved.file().version(),
                Buffer.buffer(HexFormat.of().parseHex(saved.file().sha256())), etag, headers, userMeta))).replaceWithVoid();
    }

    /** The metadata of a version, if it was written over S3 for this very content. */
    Uni<Meta> meta(UUID tenant, UUID file, int version, byte[] sha256) {
        return tx.statement(tenant, "select etag, headers, user_meta from s3_object_meta where file_id = $1 and version = $2 and sha256 = $3",
                Tuple.of(file, version, Buffer.buffer(sha256)))
                .map(rows -> Rows.first(rows).map(r -> new Meta(r.getString("etag"), (JsonObject) r.getValue("headers"),
                        (JsonObject) r.getValue("user_meta"))).orElse(Meta.NONE));
    }

    /** ETags by "file id/version/sha256 hex" for a listing page. */
    Uni<Map<String, String>> etags(UUID tenant, List<UUID> files) {
        if (files.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return tx.statement(tenant, "select file_id, version, sha256, etag from s3_object_meta where file_id = any($1)",
                Tuple.of(files.toArray(UUID[]::new))).map(rows -> {
                    Map<String, String> out = new HashMap<>();
                    rows.forEach(r -> out.put(etagKey(r.getUUID("file_id"), r.getInteger("version"), r.getBuffer("sha256").getBytes()),
                            r.getString("etag")));
                    return out;
                });
    }

    static String etagKey(UUID file, int version, byte[] sha256) {
        return file + "/" + version + "/" + SigV4.hex(sha256);
    }

    // --- multipart ---

    Uni<UUID> createUpload(UUID tenant, String bucket, String key, String contentType, JsonObject headers, JsonObject userMeta) {
        return tx.statement(tenant, """
                insert into s3_uploads (tenant_id, bucket, key, content_type, headers, user_meta) values ($1, $2, $3, $4, $5, $6) returning id
                """, Tuple.from(List.of(tenant, bucket, key, contentType, headers, userMeta))).map(rows -> rows.iterator().next().getUUID("id"));
    }

    Uni<Optional<Upload>> upload(UUID tenant, UUID id) {
        return tx.statement(tenant, "select * from s3_uploads where id = $1", Tuple.of(id)).map(rows -> Rows.first(rows).map(S3Store::upload));
    }

    Uni<List<Upload>> uploads(UUID tenant, String bucket, String prefix, int limit) {
        return tx.statement(tenant, """
                select * from s3_uploads where bucket = $1 and starts_with(key, $2) order by key collate "C", created_at limit $3
                """, Tuple.of(bucket, prefix, limit)).map(rows -> {
                    List<Upload> out = new ArrayList<>();
                    rows.forEach(r -> out.add(upload(r)));
                    return out;
                });
    }

    private static Upload upload(Row r) {
        return new Upload(r.getUUID("id"), r.getString("bucket"), r.getString("key"), r.getString("content_type"),
                (JsonObject) r.getValue("headers"), (JsonObject) r.getValue("user_meta"), r.getOffsetDateTime("created_at"));
    }

    /** Records a part in the transaction that saves its bytes ({@code conn}, the tenant's). */
    Uni<Void> putPart(SqlConnection conn, UUID tenant, UUID upload, int number, long size, byte[] md5) {
        return conn.preparedQuery("""
                insert into s3_parts (tenant_id, upload_id, part_number, size, md5) values ($1, $2, $3, $4, $5)
                on conflict (tenant_id, upload_id, part_number) do update set size = excluded.size, md5 = excluded.md5, created_at = now()
                """).execute(Tuple.of(tenant, upload, number, size, Buffer.buffer(md5))).replaceWithVoid();
    }

    Uni<List<Part>> parts(UUID tenant, UUID upload) {
        return tx.statement(tenant, "select part_number, size, md5, created_at from s3_parts where upload_id = $1 order by part_number",
                Tuple.of(upload)).map(rows -> {
                    List<Part> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new Part(r.getInteger("part_number"), r.getLong("size"), r.getBuffer("md5").getBytes(),
                            r.getOffsetDateTime("created_at"))));
                    return out;
                });
    }

    Uni<Void> deleteUpload(UUID tenant, UUID upload) {
        return tx.statement(tenant, "delete from s3_uploads where id = $1", Tuple.of(upload)).replaceWithVoid();
    }

    /** Removes a completed upload's row in the transaction that made its object; false when another Complete took it first. */
    Uni<Boolean> deleteUpload(SqlConnection conn, UUID upload) {
        return conn.preparedQuery("delete from s3_uploads where id = $1").execute(Tuple.of(upload)).map(rows -> rows.rowCount() == 1);
    }
}
