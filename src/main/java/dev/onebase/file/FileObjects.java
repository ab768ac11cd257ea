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
     * One page of a listing, read as a skip scan: each step takes the next live path at or after a cursor from the
     * index files_live_key (V16), in byte order, below the prefix's upper bound ($5); a path that holds the delimiter
     * ($2) past the prefix ($1) rolls up into its common prefix, and the next step starts after every path under it.
     * So a page reads about as many index entries as it returns, however many files the prefix or a rolled-up folder
     * holds. $3 is the first path to consider (inclusive), $4 the number of entries.
     */
    private static final String LIST = """
            with recursive walk(n, path, id, size, sha256, version, updated_at, entry, rolled) as (
                select 1, s.*, r.entry, r.rolled
                  from (select folder || name as path, id, size, sha256, version, updated_at from files
                         where deleted_at is null and (folder || name) collate "C" >= greatest($1::text, $3::text) collate "C"
                           and ($5::text is null or (folder || name) collate "C" < $5::text collate "C")
                         order by (folder || name) collate "C" limit 1) s
                  cross join lateral (select case when k > 0 then left(s.path, length($1) + k + length($2) - 1) else s.path end as entry, k > 0 as rolled
                                        from (select coalesce(strpos(substr(s.path, length($1) + 1), $2), 0) as k) x) r
                union all
                select w.n + 1, s.*, r.entry, r.rolled
                  from walk w
                  cross join lateral (select folder || name as path, id, size, sha256, version, updated_at from files
                         where deleted_at is null
                           and (folder || name) collate "C" >= (case when w.rolled then left(w.entry, -1) || chr(ascii(right(w.entry, 1)) + 1)
                                                                     else w.path || chr(1) end) collate "C"
                           and ($5::text is null or (folder || name) collate "C" < $5::text collate "C")
                         order by (folder || name) collate "C" limit 1) s
                  cross join lateral (select case when k > 0 then left(s.path, length($1) + k + length($2) - 1) else s.path end as entry, k > 0 as rolled
                                        from (select coalesce(strpos(substr(s.path, length($1) + 1), $2), 0) as k) x) r
                 where w.n < $4)
            select entry, rolled, id::text as id, size, sha256, version, updated_at from walk order by n
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

    /**
     * One page of the live paths under {@code prefix} whose listing entry sorts after {@code after} (null: from the
     * start), in byte order, with the part after {@code delimiter} (may be null) rolled up into common prefixes: at
     * most {@code limit} entries, read as a bounded skip scan (never every file under the prefix).
     */
    public Uni<List<Entry>> list(UUID tenant, String prefix, String delimiter, String after, int limit) {
        String d = delimiter == null || delimiter.isEmpty() ? null : delimiter;
        String start = null;
        if (after != null) {
            int k = d != null && after.startsWith(prefix) ? after.indexOf(d, prefix.length()) : -1;
            // an entry after a key under a rolled-up prefix is past that whole prefix
            start = k >= 0 ? successor(after.substring(0, k + d.length())) : after + "\u0001";
        }
        return tx.statement(tenant, LIST, Tuple.of(prefix, d, start, limit, prefix.isEmpty() ? null : successor(prefix))).map(rows -> {
            List<Entry> out = new ArrayList<>();
            for (Row r : rows) {
                boolean rolled = r.getBoolean("rolled");
                out.add(new Entry(r.getString("entry"), rolled, rolled ? null : UUID.fromString(r.getString("id")), r.getLong("size"),
                        r.getBuffer("sha256").getBytes(), r.getInteger("version"), r.getOffsetDateTime("updated_at")));
            }
            return out;
        });
    }

    /** The least string greater than every string that starts with {@code s} (its last code point plus one; byte order is code-point order). */
    static String successor(String s) {
        int last = s.codePointBefore(s.length());
        int next = last + 1 == 0xD800 ? 0xE000 : last + 1;
        return s.substring(0, s.length() - Character.charCount(last)) + new String(Character.toChars(next));
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
