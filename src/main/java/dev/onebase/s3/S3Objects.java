package dev.onebase.s3;

import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.w3c.dom.Element;

import dev.onebase.file.ContentTypes;
import dev.onebase.file.Downloads;
import dev.onebase.file.FileObjects;
import dev.onebase.file.FileObjects.At;
import dev.onebase.file.FilePaths;
import dev.onebase.file.FilePaths.FilePath;
import dev.onebase.file.FileStore;
import dev.onebase.file.FileRecords.Stored;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Objects are the tenant's files at {@code <bucket>/<key>}: a PUT is a file upload (same transaction, limits, quota
 * and versions as /api/v1/files), a DELETE a soft delete, a GET streams the file. What S3 adds (the MD5 ETag, the
 * kept headers and x-amz-meta-*) is stored per version beside it.
 */
@ApplicationScoped
public class S3Objects {

    static final List<String> KEPT_HEADERS = List.of("content-disposition", "content-encoding", "cache-control", "content-language", "expires");
    static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final String META = "x-amz-meta-";
    private static final int MAX_DELETE = 1000;

    private final FileStore fileStore;
    private final FileObjects files;
    private final S3Store store;
    private final S3Buckets buckets;
    private final Downloads downloads;
    private final io.vertx.core.Vertx vertx;

    public S3Objects(FileStore fileStore, FileObjects files, S3Store store, S3Buckets buckets, Downloads downloads, io.vertx.core.Vertx vertx) {
        this.fileStore = fileStore;
        this.files = files;
        this.store = store;
        this.buckets = buckets;
        this.downloads = downloads;
        this.vertx = vertx;
    }

    // --- PutObject ---

    Uni<Void> put(Request req) {
        UUID tenant = req.signed.tenant();
        FilePath path = path(req.bucket, req.key);
        Payload.checkMd5Format(req.header("content-md5"));
        Payload payload = new Payload(req, req.signed).storedWithSha256();
        String type = ContentTypes.declared(req.header("content-type"));
        JsonObject headers = keptHeaders(req);
        JsonObject meta = userMeta(req);
        long length = req.contentLength();
        String[] etag = new String[1];
        return buckets.require(req)
                .flatMap(x -> fileStore.upload(tenant, path, type, length, payload.apply(body(req)), false, (conn, saved) -> {
                    payload.checkStoredSha256(saved.file().sha256());
                    etag[0] = "\"" + SigV4.hex(payload.md5()) + "\"";
                    return store.putMeta(conn, tenant, saved, etag[0], headers, meta);
                }))
                .invoke(saved -> {
                    req.http.response().putHeader("ETag", etag[0]).putHeader("x-amz-version-id", Integer.toString(saved.file().version()));
                    Reply.empty(req, 200);
                }).replaceWithVoid();
    }

    /**
     * The request body, read when the stream is subscribed to: only then is a client waiting on Expect: 100-continue
     * told to send it, so a refusal on the declared length goes out before the client sends a byte.
     */
    static Multi<Buffer> body(Request req) {
        return Multi.createFrom().deferred(() -> {
            if ("100-continue".equalsIgnoreCase(req.header("expect")) && !req.continued) {
                req.http.response().writeContinue();
            }
            req.continued = true;
            return io.vertx.mutiny.core.http.HttpServerRequest.newInstance(req.http).toMulti().map(b -> b.getDelegate());
        });
    }

    static FilePath path(String bucket, String key) {
        if (key.length() > FilePaths.MAX_PATH) {
            throw new S3Error(400, "KeyTooLongError", "Your key is too long");
        }
        if (key.endsWith("/")) {
            throw S3Error.invalidArgument("Keys ending with '/' (folder markers) are not stored: folders are implicit in onebase");
        }
        return FilePaths.file(bucket + "/" + key);
    }

    static JsonObject keptHeaders(Request req) {
        JsonObject h = new JsonObject();
        for (String name : KEPT_HEADERS) {
            String v = req.header(name);
            if (v != null && name.equals("content-encoding")) {
                // aws-chunked describes this request's framing, not the object (S3 drops it too)
                v = String.join(",", java.util.Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.equals("aws-chunked")).toList());
            }
            if (v != null && !v.isEmpty()) {
                h.put(name, v);
            }
        }
        return h;
    }

    static JsonObject userMeta(Request req) {
        JsonObject m = new JsonObject();
        int size = 0;
        for (Map.Entry<String, String> e : req.headers().entrySet()) {
            if (e.getKey().startsWith(META)) {
                m.put(e.getKey().substring(META.length()), e.getValue());
                size += e.getKey().length() + e.getValue().length();
            }
        }
        if (size > 2048) {
            throw new S3Error(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size (2 KB)");
        }
        return m;
    }

    // --- GetObject / HeadObject ---

    Uni<Void> get(Request req) {
        UUID tenant = req.signed.tenant();
        FilePath path = path(req.bucket, req.key);
        Integer version = versionId(req.param("versionId"));
        return files.at(tenant, path, version).flatMap(found -> {
            if (found.isEmpty()) {
                return missing(req, version);
            }
            At at = found.get();
            Stored s = at.stored();
            return store.meta(tenant, s.id(), s.version(), s.sha256()).invoke(meta -> send(req, at, meta));
        }).replaceWithVoid();
    }

    private <T> Uni<T> missing(Request req, Integer version) {
        return buckets.require(req).map(x -> {
            throw version != null ? new S3Error(404, "NoSuchVersion", "The specified version does not exist.") : S3Error.noSuchKey(req.key);
        });
    }

    static Integer versionId(String v) {
        if (v == null || v.equals("null")) {
            return null;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw S3Error.invalidArgument("Invalid version id specified");
    }

    private void send(Request req, At at, S3Store.Meta meta) {
        Stored s = at.stored();
        HttpServerResponse resp = req.http.response();
        String etag = S3Buckets.etag(meta.etag(), s.sha256());
        OffsetDateTime modified = at.modified().truncatedTo(ChronoUnit.SECONDS);
        resp.putHeader("x-amz-request-id", req.requestId).putHeader("ETag", etag).putHeader("Last-Modified", HTTP_DATE.format(modified))
                .putHeader("Accept-Ranges", "bytes").putHeader("x-amz-version-id", Integer.toString(s.version()));
        int condition = condition(req, etag, modified);
        if (condition == 412) {
            throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        }
        if (condition == 304) {
            resp.setStatusCode(304).end();
            return;
        }
        meta.headers().forEach(e -> resp.putHeader(e.getKey(), String.valueOf(e.getValue())));
        meta.userMeta().forEach(e -> resp.putHeader(META + e.getKey(), String.valueOf(e.getValue())));
        resp.putHeader("Content-Type", s.contentType());
        overrides(req, resp);
        long start = 0;
        long end = s.size();
        long[] range = range(req.header("range"), s.size());
        if (range != null) {
            if (range[0] < 0) {
                resp.putHeader("Content-Range", "bytes */" + s.size());
                throw new S3Error(416, "InvalidRange", "The requested range is not satisfiable");
            }
            start = range[0];
            end = range[1] + 1;
            resp.setStatusCode(206).putHeader("Content-Range", "bytes " + start + "-" + range[1] + "/" + s.size());
        }
        resp.putHeader("Content-Length", Long.toString(end - start));
        if (req.method.equals("HEAD") || end == start) {
            resp.end();
            return;
        }
        // the file routes' own pump: one read loop for every download
        downloads.stream(vertx, resp, s, start, end, done -> resp.closeHandler(v -> done.run()));
    }

    private static void overrides(Request req, HttpServerResponse resp) {
        for (String h : List.of("content-type", "content-language", "expires", "cache-control", "content-disposition", "content-encoding")) {
            String v = req.param("response-" + h);
            if (v != null) {
                resp.putHeader(h, v);
            }
        }
    }

    /** 200, 304 or 412, by S3's rules for If-Match / If-Unmodified-Since / If-None-Match / If-Modified-Since. */
    static int condition(Request req, String etag, OffsetDateTime modified) {
        String ifMatch = req.header("if-match");
        String ifNoneMatch = req.header("if-none-match");
        OffsetDateTime ifUnmodified = date(req.header("if-unmodified-since"));
        OffsetDateTime ifModified = date(req.header("if-modified-since"));
        if (ifMatch != null) {
            if (!matches(ifMatch, etag)) {
                return 412;
            }
        } else if (ifUnmodified != null && modified.isAfter(ifUnmodified)) {
            return 412;
        }
        if (ifNoneMatch != null) {
            if (matches(ifNoneMatch, etag)) {
                return 304;
            }
        } else if (ifModified != null && !modified.isAfter(ifModified)) {
            return 304;
        }
        return 200;
    }

    private static boolean matches(String header, String etag) {
        for (String t : header.split(",")) {
            String tag = t.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag) || ("\"" + tag + "\"").equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static OffsetDateTime date(String h) {
        if (h == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(h.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toOffsetDateTime();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** One byte range [first, last], null for none or one S3 ignores, {-1, -1} when unsatisfiable. */
    static long[] range(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.contains(",")) {
            return null;
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        try {
            if (dash < 0) {
                return null;
            }
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                long n = Long.parseLong(b);
                return n <= 0 || size == 0 ? new long[] {-1, -1} : new long[] {Math.max(0, size - n), size - 1};
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
            if (first >= size) {
                return new long[] {-1, -1};
            }
            return last < first ? null : new long[] {first, Math.min(last, size - 1)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // --- DeleteObject / DeleteObjects ---

    Uni<Void> delete(Request req) {
        if (req.param("versionId") != null) {
            throw S3Error.notImplemented("Deleting one version (versionId)");
        }
        return deleteKey(req.signed.tenant(), req.bucket, req.key).flatMap(x -> buckets.require(req)).invoke(() -> Reply.empty(req, 204));
    }

    /** A soft delete, as DELETE /api/v1/files/{id} does (restorable for the retention); a missing key is no error. */
    private Uni<Void> deleteKey(UUID tenant, String bucket, String key) {
        FilePath path = path(bucket, key);
        return files.at(tenant, path, null).flatMap(found -> found.isEmpty() ? Uni.createFrom().voidItem()
                : fileStore.softDelete(tenant, found.get().stored().id()).replaceWithVoid()
                        .onFailure(e -> Reply.translate(e).code().equals("NoSuchKey")).recoverWithNull());
    }

    Uni<Void> deleteMany(Request req) {
        UUID tenant = req.signed.tenant();
        Payload payload = new Payload(req, req.signed);
        return buckets.require(req).flatMap(x -> XmlIn.read(payload.apply(body(req)))).flatMap(root -> {
            boolean quiet = "true".equalsIgnoreCase(XmlIn.text(root, "Quiet"));
            List<Element> objects = XmlIn.children(root, "Object");
            if (objects.size() > MAX_DELETE) {
                throw new S3Error(400, "MalformedXML", "At most " + MAX_DELETE + " keys per request");
            }
            Xml out = new Xml().root("DeleteResult");
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (Element o : objects) {
                String key = XmlIn.text(o, "Key");
                chain = chain.flatMap(x -> Uni.createFrom().deferred(() -> deleteKey(tenant, req.bucket, key))
                        .invoke(() -> {
                            if (!quiet) {
                                out.open("Deleted").el("Key", key).close("Deleted");
                            }
                        })
                        .onFailure().recoverWithItem(e -> {
                            S3Error err = Reply.translate(e);
                            out.open("Error").el("Key", key).el("Code", err.code()).el("Message", err.getMessage()).close("Error");
                            return null;
                        }));
            }
            return chain.invoke(() -> Reply.xml(req, 200, out.close("DeleteResult").toString()));
        });
    }

    // --- CopyObject ---

    /** The source of a copy: {@code x-amz-copy-source} ({@code [/]bucket/key[?versionId=n]}, URL-encoded) in the caller's tenant. */
    record Source(String bucket, String key, Integer version) {
        static Source of(String header) {
            String h = header;
            Integer version = null;
            int q = h.indexOf("?versionId=");
            if (q >= 0) {
                version = versionId(h.substring(q + "?versionId=".length()));
                h = h.substring(0, q);
            }
            String decoded = SigV4.decodePath(h);
            if (decoded.startsWith("/")) {
                decoded = decoded.substring(1);
            }
            int slash = decoded.indexOf('/');
            if (slash <= 0 || slash == decoded.length() - 1) {
                throw S3Error.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
            }
            return new Source(decoded.substring(0, slash), decoded.substring(slash + 1), version);
        }
    }

    /** The source object's content and S3 metadata, or NoSuchKey / NoSuchBucket. */
    Uni<Copied> source(UUID tenant, Source src) {
        return files.at(tenant, path(src.bucket(), src.key()), src.version()).flatMap(found -> {
            if (found.isEmpty()) {
                return buckets.exists(tenant, src.bucket()).map(exists -> {
                    throw exists ? S3Error.noSuchKey(src.key()) : S3Error.noSuchBucket(src.bucket());
                });
            }
            Stored s = found.get().stored();
            return store.meta(tenant, s.id(), s.version(), s.sha256()).map(meta -> new Copied(found.get(), meta));
        });
    }

    record Copied(At at, S3Store.Meta meta) {
    }

    Uni<Void> copy(Request req) {
        UUID tenant = req.signed.tenant();
        FilePath to = path(req.bucket, req.key);
        Source src = Source.of(req.header("x-amz-copy-source"));
        boolean replace = "REPLACE".equalsIgnoreCase(req.header("x-amz-metadata-directive"));
        if (!replace && src.bucket().equals(req.bucket) && src.key().equals(req.key) && src.version() == null) {
            throw new S3Error(400, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the "
                    + "object's metadata, storage class, website redirect location or encryption attributes.");
        }
        String replacedType = replace ? ContentTypes.declared(req.header("content-type")) : null;
        JsonObject headers = replace ? keptHeaders(req) : null;
        JsonObject meta = replace ? userMeta(req) : null;
        return buckets.require(req).flatMap(x -> source(tenant, src)).flatMap(c -> {
            Stored s = c.at().stored();
            MessageDigest md5 = SigV4.digest("MD5");
            Multi<Buffer> content = files.content(s, 0, s.size()).invoke(b -> md5.update(b.getByteBuf().nioBuffer()));
            String type = replace && replacedType != null ? replacedType : s.contentType();
            String[] etag = new String[1];
            return fileStore.upload(tenant, to, type, s.size(), content, false, (conn, saved) -> {
                etag[0] = "\"" + SigV4.hex(md5.digest()) + "\"";
                return store.putMeta(conn, tenant, saved, etag[0], replace ? headers : c.meta().headers(), replace ? meta : c.meta().userMeta());
            }).invoke(saved -> {
                req.http.response().putHeader("x-amz-version-id", Integer.toString(saved.file().version()));
                Reply.xml(req, 200, new Xml().root("CopyObjectResult").el("LastModified", Xml.time(saved.file().updatedAt()))
                        .el("ETag", etag[0]).close("CopyObjectResult").toString());
            }).replaceWithVoid();
        });
    }
}
