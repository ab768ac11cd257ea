package dev.onebase.file;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.file.FilePaths.FilePath;
import dev.onebase.file.FileRecords.Stored;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Files seen by their whole path, as an object store sees keys (for the S3 front): the file at a path, listings of
 * every path under a prefix in byte order with the part after a delimiter rolled up, and a file's content as a
 * stream of chunks. Uploads, deletes and versions stay with {@link FileStore}.
 */
@ApplicationScoped
public class FileObjects {

    private static final String AT = """
            select id, name, content_type, size, sha256, storage, content, lo_oid, version, updated_at, tenant_id from files
             where folder = $1 and name = $2 and deleted_at is null
            """;
    private static final String VERSION_AT = """
            select f.id, f.name, v.content_type, v.size, v.sha256, v.storage, v.content, v.lo_oid, v.version, v.created_at as updated_at, f.tenant_id
              from file_versions v join files f on f.tenant_id = v.tenant_id and f.id = v.file_id
             where f.folder = $1 and f.name = $2 and f.deleted_at is null and v.version = $3
            union all
            select id, name, content_type, size, sha256, storage, content, lo_oid, version, updated_at, tenant_id from files
             where folder = $1 and name = $2 and deleted_at is null and version = $3
            """;
    /**
     * Every live path under $1 after $3 in byte order; with a delimiter ($2), the paths that hold it past the prefix
     * are rolled up into one entry (the common prefix, up to and including the delimiter).
     */
    private static final String LIST = """
            with p as (
                select folder || name collate "C" as path, id, size, sha256, version, updated_at,
                       $2::text is not null and strpos(substr(folder || name, length($1) + 1), $2) > 0 as rolled
                  from files where deleted_at is null and starts_with(folder || name, $1)),
            e as (
                select case when rolled then left(path, length($1) + strpos(substr(path, length($1) + 1), $2) + length($2) - 1)
                            else path end collate "C" as entry, p.* from p)
            select entry, bool_or(rolled) as rolled, min(id::text) as id, max(size) as size, (array_agg(sha256))[1] as sha256,
                   max(version) as version, max(updated_at) as updated_at
              from e where $3::text is null or entry > $3::text collate "C"
             group by entry order by entry limit $4
            """;
    private static final String VERSIONS = """
            select folder || name collate "C" as path, id, version, size, sha256, updated_at as modified, true as current
              from files where deleted_at is null and starts_with(folder || name, $1)
            union all
            select f.folder || f.name collate "C", f.id, v.version, v.size, v.sha256, v.replaced_at, false
              from file_versions v join files f on f.tenant_id = v.tenant_id and f.id = v.file_id
             where f.deleted_at is null and starts_with(f.folder || f.name, $1)
             order by 1, 3 desc limit $2
            """;
    private static final String TOP_FOLDERS = """
            select split_part(folder, '/', 1) as name, min(created_at) as created_at from files
             where folder <> '' and deleted_at is null group by 1
            """;

    private final TenantTx tx;
    private final Pool pool;
    private final FileConfig config;

    public FileObjects(TenantTx tx, Pool pool, FileConfig config) {
        this.tx = tx;
        this.pool = pool;
        this.config = config;
    }

    /** The live file at a path (or one of its versions), with its content or large object. */
    public record At(Stored stored, OffsetDateTime modified) {
    }

    /** One listing entry: a file, or (n > 0 and prefix) a rolled-up common prefix. */
    public record Entry(String path, boolean prefix, UUID id, long size, byte[] sha256, int version, OffsetDateTime modified) {
    }

    /** One version of a file in a version listing. */
    public record VersionEntry(String path, UUID id, int version, long size, byte[] sha256, OffsetDateTime modified, boolean current) {
    }

    /** A top-level folder that holds live files. */
    public record TopFolder(String name, OffsetDateTime createdAt) {
    }

    public Uni<Optional<At>> at(UUID tenant, FilePath path, Integer version) {
        Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> rows = version == null
                ? tx.statement(tenant, AT, Tuple.of(path.folder(), path.name()))
                : tx.statement(tenant, VERSION_AT, Tuple.of(path.folder(), path.name(), version));
        return rows.map(r -> Rows.first(r).map(row -> new At(FileStore.stored(row), row.getOffsetDateTime("updated_at"))));
    }

    public Uni<List<Entry>> list(UUID tenant, String prefix, String delimiter, String after, int limit) {
        return tx.statement(tenant, LIST, Tuple.of(prefix, delimiter, after, limit)).map(rows -> {
            List<Entry> out = new ArrayList<>();
            for (Row r : rows) {
                boolean rolled = r.getBoolean("rolled");
                out.add(new Entry(r.getString("entry"), rolled, rolled ? null : UUID.fromString(r.getString("id")), r.getLong("size"),
                        r.getBuffer("sha256").getBytes(), r.getInteger("version"), r.getOffsetDateTime("updated_at")));
            }
            return out;
        });
    }

    public Uni<List<VersionEntry>> versions(UUID tenant, String prefix, int limit) {
        return tx.statement(tenant, VERSIONS, Tuple.of(prefix, limit)).map(rows -> {
            List<VersionEntry> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new VersionEntry(r.getString("path"), r.getUUID("id"), r.getInteger("version"), r.getLong("size"),
                        r.getBuffer("sha256").getBytes(), r.getOffsetDateTime("modified"), r.getBoolean("current")));
            }
            return out;
        });
    }

    public Uni<List<TopFolder>> topFolders(UUID tenant) {
        return tx.statement(tenant, TOP_FOLDERS, Tuple.tuple()).map(rows -> {
            List<TopFolder> out = new ArrayList<>();
            rows.forEach(r -> out.add(new TopFolder(r.getString("name"), r.getOffsetDateTime("created_at"))));
            return out;
        });
    }

    /** Whether any live file is at or below the folder ("a/"). */
    public Uni<Boolean> folderHasFiles(UUID tenant, String folder) {
        return tx.statement(tenant, "select exists (select 1 from files where starts_with(folder, $1) and deleted_at is null)", Tuple.of(folder))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    /**
     * The bytes [start, end) of stored content as a stream (for copies): the same {@link ChunkReader} as downloads,
     * the next chunk read while the current one is consumed, none read before it is requested.
     */
    public Multi<Buffer> content(Stored s, long start, long end) {
        if (end <= start) {
            return Multi.createFrom().empty();
        }
        ChunkReader reader = new ChunkReader(pool, s, start, end, (int) config.chunkSize().asLongValue());
        return Multi.createBy().repeating().uni(reader::next).whilst(b -> reader.hasNext());
    }
}
