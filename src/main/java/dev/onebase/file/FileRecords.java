package dev.onebase.file;

import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.vertx.mutiny.sqlclient.Row;

/** The shapes the file API reads and writes. */
public final class FileRecords {

    private FileRecords() {
    }

    /** The storage of content made of an ordered list of segments (V16; a completed S3 multipart upload). */
    public static final String SEGMENTS = "segments";

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileView(UUID id, String path, String folder, String name, String contentType, long size, String sha256,
            String storage, int version, OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime deletedAt) {

        static final String COLUMNS = "id, folder, name, content_type, size, sha256, storage, version, created_at, updated_at, deleted_at";

        static FileView of(Row r) {
            String folder = r.getString("folder");
            return new FileView(r.getUUID("id"), folder + r.getString("name"), folder.isEmpty() ? "/" : folder, r.getString("name"),
                    r.getString("content_type"), r.getLong("size"), hex(r), r.getString("storage"), r.getInteger("version"),
                    r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"), r.getOffsetDateTime("deleted_at"));
        }
    }

    public record VersionView(int version, String path, String contentType, long size, String sha256, String storage,
            OffsetDateTime createdAt, OffsetDateTime replacedAt, boolean current) {

        static VersionView of(Row r) {
            return new VersionView(r.getInteger("version"), r.getString("folder") + r.getString("name"), r.getString("content_type"),
                    r.getLong("size"), hex(r), r.getString("storage"), r.getOffsetDateTime("created_at"),
                    r.getOffsetDateTime("replaced_at"), r.getBoolean("current"));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FolderPage(String folder, List<String> folders, List<FileView> items, String next) {
    }

    public record FilePage(List<FileView> items, String next) {
    }

    public record Move(String path) {
    }

    public record FolderMove(String from, String to) {
    }

    public record Affected(long files) {
    }

    /** What the download path needs of one stored version. */
    public record Stored(UUID id, String name, String contentType, long size, byte[] sha256, String storage, io.vertx.core.buffer.Buffer content,
            Long loOid, int version, UUID tenantId) {

        public String etag() {
            return "\"" + HexFormat.of().formatHex(sha256) + "\"";
        }

        /** Whether the content is read from the database in chunks (a large object or segments), not held inline. */
        public boolean streamed() {
            return content == null && (loOid != null || SEGMENTS.equals(storage));
        }
    }

    static String hex(Row r) {
        return HexFormat.of().formatHex(r.getBuffer("sha256").getBytes());
    }
}
