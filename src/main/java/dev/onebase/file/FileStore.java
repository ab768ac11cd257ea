package dev.onebase.file;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import dev.onebase.file.FilePaths.FilePath;
import dev.onebase.file.FileRecords.Affected;
import dev.onebase.file.FileRecords.FilePage;
import dev.onebase.file.FileRecords.FileView;
import dev.onebase.file.FileRecords.FolderPage;
import dev.onebase.file.FileRecords.Stored;
import dev.onebase.file.FileRecords.VersionView;
import dev.onebase.file.UploadWriter.Limits;
import dev.onebase.file.UploadWriter.Written;
import dev.onebase.tenant.Plan;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/** The SQL of file storage. Every statement runs in a {@link TenantTx} transaction, so RLS fences it. */
@ApplicationScoped
public class FileStore {

    private static final String COLS = FileView.COLUMNS;

    private static final String LIMITS = "select " + Plan.COLUMNS + """
            ,
                   (select coalesce(sum(size), 0) from files)::int8 + (select coalesce(sum(size), 0) from file_versions)::int8 as used
              from tenants t join plans p on p.id = t.plan
            """;
    /** Serialises the final quota check of a tenant's concurrent uploads (held until commit). */
    private static final String QUOTA_LOCK = "select pg_advisory_xact_lock(hashtextextended('files:' || $1::text, 0))";
    private static final String LIVE_AT = "select id, version from files where folder = $1 and name = $2 and deleted_at is null for update";
    private static final String INSERT = """
            insert into files (tenant_id, folder, name, content_type, size, sha256, storage, content, lo_oid)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning\s""" + COLS;
    /** The current content becomes a version row (the bytes move inside the database, not through the service). */
    private static final String KEEP_CURRENT = """
            insert into file_versions (tenant_id, file_id, version, folder, name, content_type, size, sha256, storage, content, lo_oid,
                                       external_url, created_at)
            select tenant_id, id, version, folder, name, content_type, size, sha256, storage, content, lo_oid, external_url, updated_at
              from files where id = $1
            """;
    private static final String REPLACE = """
            update files set content_type = $2, size = $3, sha256 = $4, storage = $5, content = $6, lo_oid = $7, external_url = null,
                             version = version + 1, updated_at = now()
             where id = $1 returning\s""" + COLS;
    /** Old versions go with their large objects and segments (never the current version's: it is above $2). */
    private static final String PRUNE_VERSIONS = """
            with gone as (delete from file_versions where file_id = $1 and version <= $2 returning lo_oid),
                 segs as (delete from file_segments where file_id = $1 and version <= $2 returning lo_oid)
            select count(file_lo_unlink(o)) from (select lo_oid as o from gone union all select lo_oid from segs) x where o is not null
            """;
    private static final String UNLINK_FILE = """
            select count(file_lo_unlink(o)) from (
                select lo_oid as o from files where id = $1 and lo_oid is not null
                union all
                select lo_oid from file_versions where file_id = $1 and lo_oid is not null
                union all
                select lo_oid from file_segments where file_id = $1 and lo_oid is not null) x
            """;
    /** The parts ($2, names in the folder $1, in order) of an assembled file, locked until commit. */
    private static final String PARTS = """
            select p.seq::int4 as seq, f.name, f.size, f.sha256, f.storage from files f
              join unnest($2::text[]) with ordinality as p(name, seq) on f.name = p.name
             where f.folder = $1 and f.deleted_at is null order by p.seq for update of f
            """;
    /** The parts' content becomes the segments of the new version: their large objects change hands, no byte moves. */
    private static final String LINK_SEGMENTS = """
            insert into file_segments (tenant_id, file_id, version, seq, start_at, size, content, lo_oid)
            select f.tenant_id, $3, $4, p.seq,
                   coalesce(sum(f.size) over (order by p.seq rows between unbounded preceding and 1 preceding), 0), f.size, f.content, f.lo_oid
              from files f join unnest($2::text[]) with ordinality as p(name, seq) on f.name = p.name
             where f.folder = $1 and f.deleted_at is null
            """;
    /** What of the parts' folder is not carried over (parts not listed, earlier uploads of a part) goes for good. */
    private static final String UNLINK_LEFTOVERS = """
            select count(file_lo_unlink(o)) from (
                select lo_oid as o from files where folder = $1 and lo_oid is not null and not (name = any($2) and deleted_at is null)
                union all
                select v.lo_oid from file_versions v join files f on f.tenant_id = v.tenant_id and f.id = v.file_id
                 where f.folder = $1 and v.lo_oid is not null) x
            """;

    /** Restoring a version made of segments copies them (their large objects server-side) to the new version. */
    private static final String COPY_SEGMENTS = """
            insert into file_segments (tenant_id, file_id, version, seq, start_at, size, content, lo_oid)
            select tenant_id, file_id, $3, seq, start_at, size, content, case when lo_oid is null then null else file_lo_copy(lo_oid) end
              from file_segments where file_id = $1 and version = $2
            """;

    private final TenantTx tx;
    private final FileConfig config;

    public FileStore(TenantTx tx, FileConfig config) {
        this.tx = tx;
        this.config = config;
    }

    // --- upload ---

    /**
     * One upload, one transaction: checks the declared length against the limits before reading a byte, streams the
     * body through an {@link UploadWriter}, then stores or overwrites the file at its path. Any failure rolls all of
     * it back, the large object included (lo_create is transactional).
     */
    public Uni<Saved> upload(UUID tenant, FilePath path, String declaredType, long declaredLength, Multi<Buffer> body) {
        return upload(tenant, path, declaredType, declaredLength, body, false, null);
    }

    /** What a caller writes in the upload's own transaction once the file is saved (S3's metadata of the version). */
    @FunctionalInterface
    public interface InTx {
        Uni<Void> apply(SqlConnection conn, Saved saved);
    }

    /**
     * An upload as above; {@code largeObject} keeps even small content in a large object (so it can later become a
     * segment of an assembled file without being copied), and {@code after} (may be null) runs in the same transaction.
     */
    public Uni<Saved> upload(UUID tenant, FilePath path, String declaredType, long declaredLength, Multi<Buffer> body, boolean largeObject,
            InTx after) {
        return tx.run(tenant, conn -> conn.preparedQuery(LIMITS).execute().flatMap(rows -> {
            Row r = rows.iterator().next();
            Plan plan = Plan.from(r);
            Limits limits = new Limits(plan.maxFileBytes(), plan.storageBytes(), r.getLong("used"));
            if (declaredLength > limits.room()) {
                return Uni.createFrom().failure(limits.tooLarge(declaredLength));
            }
            UploadWriter writer = new UploadWriter(conn, tenant, limits, largeObject ? 0 : config.inlineThreshold().asLongValue(),
                    (int) config.chunkSize().asLongValue(), declaredType);
            return body.onItem().call(writer::accept).collect().last()
                    .flatMap(ignored -> writer.finish())
                    .flatMap(written -> saveAs(conn, tenant, path, written, written.storage()))
                    .call(saved -> after == null ? Uni.createFrom().voidItem() : after.apply(conn, saved))
                    // last: the tenant's quota lock is held from here to the commit, so concurrent uploads (S3's
                    // parallel parts) wait on each other for as few round trips as possible
                    .call(saved -> quotaCheck(conn, tenant));
        }));
    }

    /**
     * Makes one file at {@code target} out of files of one folder (S3 multipart: the parts, by name, in order), in one
     * transaction and without copying a byte: the new version's content is the parts' content as segments (V16), the
     * parts' large objects change hands, then the folder is removed with whatever it held besides. Its SHA-256 is the
     * SHA-256 of the parts' SHA-256s (the bytes are not read again to hash them). {@code after} (may be null) runs in
     * the same transaction.
     */
    public Uni<Saved> assemble(UUID tenant, FilePath target, String contentType, String folder, List<String> names, InTx after) {
        String[] parts = names.toArray(String[]::new);
        return tx.run(tenant, conn -> conn.preparedQuery(LIMITS).execute().flatMap(rows -> {
            Row r = rows.iterator().next();
            Plan plan = Plan.from(r);
            return conn.preparedQuery(PARTS).execute(Tuple.of(folder, parts)).flatMap(found -> {
                java.security.MessageDigest tree = sha256();
                long total = 0;
                int seen = 0;
                for (Row p : found) {
                    if (p.getInteger("seq") != ++seen) {
                        break;
                    }
                    if (!p.getString("storage").equals("bytea") && !p.getString("storage").equals("large_object")) {
                        throw ProblemException.unprocessable("Part " + p.getString("name") + " is not stored in the database");
                    }
                    total += p.getLong("size");
                    tree.update(p.getBuffer("sha256").getBytes());
                }
                if (seen != parts.length || found.size() != parts.length) {
                    throw ProblemException.badRequest("Part " + parts[Math.min(seen, parts.length - 1)] + " is gone");
                }
                if (total > plan.maxFileBytes()) {
                    throw new Limits(plan.maxFileBytes(), plan.storageBytes(), r.getLong("used")).tooLarge(total);
                }
                Written w = new Written(total, tree.digest(), contentType, null, null);
                return saveAs(conn, tenant, target, w, FileRecords.SEGMENTS)
                        .call(saved -> conn.preparedQuery(LINK_SEGMENTS).execute(Tuple.of(folder, parts, saved.file().id(), saved.file().version())))
                        .call(saved -> conn.preparedQuery(UNLINK_LEFTOVERS).execute(Tuple.of(folder, parts)))
                        .call(saved -> conn.preparedQuery("delete from files where folder = $1").execute(Tuple.of(folder)))
                        .call(saved -> after == null ? Uni.createFrom().voidItem() : after.apply(conn, saved))
                        .call(saved -> quotaCheck(conn, tenant));
            });
        }));
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public record Saved(FileView file, boolean created) {
    }

    /** Stores or overwrites the file at its path (the current version kept as a version, old ones pruned). */
    private Uni<Saved> saveAs(SqlConnection conn, UUID tenant, FilePath path, Written w, String storage) {
        Buffer sha = Buffer.buffer(w.sha256());
        return conn.preparedQuery(LIVE_AT).execute(Tuple.of(path.folder(), path.name())).flatMap(rows -> {
            Uni<Saved> stored;
            if (!rows.iterator().hasNext()) {
                stored = conn.preparedQuery(INSERT).execute(Tuple.from(List.of(tenant, path.folder(), path.name(), w.contentType(), w.size(), sha,
                        storage)).addValue(w.inline()).addValue(w.loOid()))
                        .map(r -> new Saved(FileView.of(r.iterator().next()), true));
            } else {
                Row existing = rows.iterator().next();
                UUID id = existing.getUUID("id");
                int version = existing.getInteger("version");
                stored = conn.preparedQuery(KEEP_CURRENT).execute(Tuple.of(id))
                        .flatMap(x -> conn.preparedQuery(REPLACE).execute(Tuple.from(List.of(id, w.contentType(), w.size(), sha, storage))
                                .addValue(w.inline()).addValue(w.loOid())))
                        .map(r -> new Saved(FileView.of(r.iterator().next()), false))
                        .call(x -> conn.preparedQuery(PRUNE_VERSIONS).execute(Tuple.of(id, version - config.maxVersions())));
            }
            return stored;
        }).onFailure(PgException.class).transform(FileStore::explain);
    }

    /** The last word on the quota, taken under a per-tenant lock so two concurrent uploads cannot both slip in. */
    private Uni<Void> quotaCheck(SqlConnection conn, UUID tenant) {
        return conn.preparedQuery(QUOTA_LOCK).execute(Tuple.of(tenant.toString()))
                .flatMap(x -> conn.preparedQuery(LIMITS).execute())
                .map(rows -> {
                    Row r = rows.iterator().next();
                    long used = r.getLong("used");
                    long storage = r.getLong("storage_bytes");
                    if (used > storage) {
                        throw ProblemException.tooLarge("The upload would exceed the tenant's storage quota (" + storage + " bytes)");
                    }
                    return null;
                });
    }

    // --- reading ---

    public Uni<FileView> get(UUID tenant, UUID id) {
        return tx.statement(tenant, "select " + COLS + " from files where id = $1", Tuple.of(id))
                .map(rows -> Rows.first(rows).map(FileView::of).orElseThrow(() -> noSuchFile(id)));
    }

    /** What a download needs: the live file, or one of its versions; inline bytes come along (they are small). */
    public Uni<Stored> stored(UUID tenant, UUID id, Integer version) {
        String sql = version == null
                ? "select id, name, content_type, size, sha256, storage, content, lo_oid, version, tenant_id from files where id = $1 and deleted_at is null"
                : """
                  select f.id, f.name, v.content_type, v.size, v.sha256, v.storage, v.content, v.lo_oid, v.version, v.tenant_id
                    from file_versions v join files f on f.tenant_id = v.tenant_id and f.id = v.file_id
                   where v.file_id = $1 and v.version = $2 and f.deleted_at is null
                  union all
                  select id, name, content_type, size, sha256, storage, content, lo_oid, version, tenant_id
                    from files where id = $1 and version = $2 and deleted_at is null
                  """;
        Tuple args = version == null ? Tuple.of(id) : Tuple.of(id, version);
        return tx.statement(tenant, sql, args).map(rows -> Rows.first(rows).map(FileStore::stored)
                .orElseThrow(() -> version == null ? noSuchFile(id) : ProblemException.notFound("No version " + version + " of file " + id)));
    }

    static Stored stored(Row r) {
        return new Stored(r.getUUID("id"), r.getString("name"), r.getString("content_type"), r.getLong("size"),
                r.getBuffer("sha256").getBytes(), r.getString("storage"), bufferOrNull(r, "content"), r.getLong("lo_oid"), r.getInteger("version"),
                r.getUUID("tenant_id"));
    }

    private static Buffer bufferOrNull(Row r, String column) {
        var b = r.getBuffer(column);
        return b == null ? null : b.getDelegate();
    }

    public Uni<FolderPage> list(UUID tenant, String folder, String after, int limit, boolean deleted) {
        String files = "select " + COLS + " from files where folder = $1 and ($2::text is null or name > $2) and "
                + (deleted ? "deleted_at is not null" : "deleted_at is null") + " order by name limit $3";
        String folders = """
                select distinct split_part(substr(folder, length($1) + 1), '/', 1) as sub from files
                 where starts_with(folder, $1) and folder <> $1 and deleted_at is null order by 1 limit 1000
                """;
        return tx.run(tenant, conn -> conn.preparedQuery(files).execute(Tuple.of(folder, after, limit))
                .flatMap(rows -> {
                    List<FileView> items = new ArrayList<>();
                    rows.forEach(r -> items.add(FileView.of(r)));
                    String next = items.size() == limit ? items.get(items.size() - 1).name() : null;
                    if (after != null || deleted) {
                        return Uni.createFrom().item(new FolderPage(folder.isEmpty() ? "/" : folder, null, items, next));
                    }
                    return conn.preparedQuery(folders).execute(Tuple.of(folder)).map(sub -> {
                        List<String> names = new ArrayList<>();
                        sub.forEach(s -> names.add(s.getString("sub")));
                        return new FolderPage(folder.isEmpty() ? "/" : folder, names, items, next);
                    });
                }));
    }

    public Uni<FilePage> search(UUID tenant, String query, int limit) {
        if (query == null || query.isBlank() || query.length() > 200) {
            throw ProblemException.badRequest("q must be 1-200 characters");
        }
        return tx.statement(tenant, """
                select\s""" + COLS + """
                 from files where deleted_at is null and search @@ plainto_tsquery('simple', $1)
                 order by ts_rank(search, plainto_tsquery('simple', $1)) desc, folder, name limit $2
                """, Tuple.of(query, limit)).map(rows -> {
            List<FileView> items = new ArrayList<>();
            rows.forEach(r -> items.add(FileView.of(r)));
            return new FilePage(items, null);
        });
    }

    public Uni<List<VersionView>> versions(UUID tenant, UUID id) {
        return tx.statement(tenant, """
                select version, folder, name, content_type, size, sha256, storage, updated_at as created_at, null::timestamptz as replaced_at,
                       true as current from files where id = $1
                union all
                select version, folder, name, content_type, size, sha256, storage, created_at, replaced_at, false from file_versions where file_id = $1
                order by version desc
                """, Tuple.of(id)).map(rows -> {
            List<VersionView> out = new ArrayList<>();
            rows.forEach(r -> out.add(VersionView.of(r)));
            if (out.isEmpty()) {
                throw noSuchFile(id);
            }
            return out;
        });
    }

    // --- changes ---

    public Uni<FileView> move(UUID tenant, UUID id, FilePath to) {
        return tx.statement(tenant, "update files set folder = $2, name = $3, updated_at = now() where id = $1 and deleted_at is null returning " + COLS,
                Tuple.of(id, to.folder(), to.name()))
                .onFailure(PgException.class).transform(FileStore::explain)
                .map(rows -> Rows.first(rows).map(FileView::of).orElseThrow(() -> noSuchFile(id)));
    }

    public Uni<Affected> moveFolder(UUID tenant, String from, String to) {
        if (from.isEmpty()) {
            throw ProblemException.badRequest("The root folder cannot be moved");
        }
        if (to.startsWith(from)) {
            throw ProblemException.badRequest("A folder cannot be moved into itself");
        }
        return tx.statement(tenant, """
                update files set folder = $2 || substr(folder, length($1) + 1), updated_at = now()
                 where starts_with(folder, $1) and deleted_at is null
                """, Tuple.of(from, to))
                .onFailure(PgException.class).transform(FileStore::explain)
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw ProblemException.notFound("No such folder: " + from);
                    }
                    return new Affected(rows.rowCount());
                });
    }

    public Uni<FileView> softDelete(UUID tenant, UUID id) {
        return tx.statement(tenant, "update files set deleted_at = now() where id = $1 and deleted_at is null returning " + COLS, Tuple.of(id))
                .map(rows -> Rows.first(rows).map(FileView::of).orElseThrow(() -> noSuchFile(id)));
    }

    /** Removes a file for good, with its versions and thumbnails, unlinking its large objects in the same transaction. */
    public Uni<Void> purge(UUID tenant, UUID id) {
        return tx.run(tenant, conn -> purgeIn(conn, id).map(found -> {
            if (!found) {
                throw noSuchFile(id);
            }
            return null;
        }));
    }

    Uni<Boolean> purgeIn(SqlConnection conn, UUID id) {
        return conn.preparedQuery(UNLINK_FILE).execute(Tuple.of(id))
                .flatMap(x -> conn.preparedQuery("delete from files where id = $1").execute(Tuple.of(id)))
                .map(rows -> rows.rowCount() > 0);
    }

    public Uni<Affected> deleteFolder(UUID tenant, String folder, boolean purge) {
        if (folder.isEmpty()) {
            throw ProblemException.badRequest("The root folder cannot be deleted; name a folder");
        }
        if (!purge) {
            return tx.statement(tenant, "update files set deleted_at = now() where starts_with(folder, $1) and deleted_at is null", Tuple.of(folder))
                    .map(rows -> {
                        if (rows.rowCount() == 0) {
                            throw ProblemException.notFound("No such folder: " + folder);
                        }
                        return new Affected(rows.rowCount());
                    });
        }
        return tx.run(tenant, conn -> conn.preparedQuery("""
                select count(file_lo_unlink(o)) from (
                    select lo_oid as o from files where starts_with(folder, $1) and lo_oid is not null
                    union all
                    select v.lo_oid from file_versions v join files f on f.tenant_id = v.tenant_id and f.id = v.file_id
                     where starts_with(f.folder, $1) and v.lo_oid is not null
                    union all
                    select g.lo_oid from file_segments g join files f on f.tenant_id = g.tenant_id and f.id = g.file_id
                     where starts_with(f.folder, $1) and g.lo_oid is not null) x
                """).execute(Tuple.of(folder))
                .flatMap(x -> conn.preparedQuery("delete from files where starts_with(folder, $1)").execute(Tuple.of(folder)))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw ProblemException.notFound("No such folder: " + folder);
                    }
                    return new Affected(rows.rowCount());
                }));
    }

    public Uni<FileView> restore(UUID tenant, UUID id) {
        return tx.statement(tenant, "update files set deleted_at = null where id = $1 and deleted_at is not null returning " + COLS, Tuple.of(id))
                .onFailure(PgException.class).transform(e -> "23505".equals(((PgException) e).getSqlState())
                        ? ProblemException.conflict("Another file now lives at that path; move it away first")
                        : e)
                .map(rows -> Rows.first(rows).map(FileView::of).orElseThrow(() -> ProblemException.notFound("No deleted file " + id)));
    }

    /**
     * Makes an earlier version current again as a new version: the current content is kept as a version, the chosen
     * version's content is copied (a large object is copied server-side, so no OID is ever shared by two rows).
     */
    public Uni<FileView> restoreVersion(UUID tenant, UUID id, int version) {
        return tx.run(tenant, conn -> conn.preparedQuery("select version from files where id = $1 and deleted_at is null for update")
                .execute(Tuple.of(id)).flatMap(rows -> {
                    Row current = Rows.first(rows).orElseThrow(() -> noSuchFile(id));
                    if (current.getInteger("version") == version) {
                        throw ProblemException.conflict("Version " + version + " is already the current one");
                    }
                    return conn.preparedQuery("""
                            select content_type, size, sha256, storage, content, case when lo_oid is null then null else file_lo_copy(lo_oid) end as lo_oid
                              from file_versions where file_id = $1 and version = $2
                            """).execute(Tuple.of(id, version));
                }).flatMap(rows -> {
                    Row v = Rows.first(rows).orElseThrow(() -> ProblemException.notFound("No version " + version + " of file " + id));
                    Tuple args = Tuple.from(List.of(id, v.getString("content_type"), v.getLong("size"), v.getBuffer("sha256").getDelegate(),
                            v.getString("storage"))).addValue(bufferOrNull(v, "content")).addValue(v.getLong("lo_oid"));
                    return conn.preparedQuery(KEEP_CURRENT).execute(Tuple.of(id))
                            .flatMap(x -> conn.preparedQuery(REPLACE).execute(args))
                            .map(r -> FileView.of(r.iterator().next()));
                }).call(f -> conn.preparedQuery(COPY_SEGMENTS).execute(Tuple.of(id, version, f.version())))
                .call(f -> conn.preparedQuery(PRUNE_VERSIONS).execute(Tuple.of(id, f.version() - 1 - config.maxVersions())))
                .call(f -> quotaCheck(conn, tenant)));
    }

    /** Unlinks every large object of the tenant whose transaction this is (a tenant purge). */
    Uni<Long> unlinkAll(SqlConnection conn) {
        return conn.query("""
                select count(file_lo_unlink(o)) from (
                    select lo_oid as o from files where lo_oid is not null
                    union all
                    select lo_oid from file_versions where lo_oid is not null
                    union all
                    select lo_oid from file_segments where lo_oid is not null) x
                """).execute().map(rows -> rows.iterator().next().getLong(0));
    }

    // --- helpers ---


    static ProblemException noSuchFile(UUID id) {
        return ProblemException.notFound("No such file: " + id);
    }

    private static Throwable explain(Throwable t) {
        if (t instanceof PgException e && "23505".equals(e.getSqlState())) {
            return ProblemException.conflict("A file already exists at that path");
        }
        return t;
    }
}
