package dev.onebase.s3;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.w3c.dom.Element;

import dev.onebase.file.ContentTypes;
import dev.onebase.file.FileObjects;
import dev.onebase.file.FilePaths.FilePath;
import dev.onebase.file.FileRecords.Stored;
import dev.onebase.file.FileStore;
import dev.onebase.web.Ids;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Multipart uploads. Each part is a file of its own under {@code .s3-uploads/<upload id>/<part number>}, always in a
 * large object (so it is streamed, limited and counted against the quota like any upload, and survives restarts);
 * Complete makes the object out of the parts in one transaction without copying a byte: the parts' large objects
 * become the segments of the object's new version ({@link FileStore#assemble}), and the upload's row and the object's
 * S3 metadata go in the same transaction. The S3 ETag is the MD5 of the parts' MD5s with "-N". Uploads neither
 * completed nor aborted are removed by the s3-abandoned-uploads job.
 */
@ApplicationScoped
public class S3Multipart {

    static final long MIN_PART = 5L * 1024 * 1024;
    private static final long KEEP_ALIVE_MS = 10_000;

    private final FileStore fileStore;
    private final FileObjects files;
    private final S3Store store;
    private final S3Buckets buckets;
    private final S3Objects objects;
    private final io.vertx.core.Vertx vertx;

    public S3Multipart(FileStore fileStore, FileObjects files, S3Store store, S3Buckets buckets, S3Objects objects, io.vertx.core.Vertx vertx) {
        this.fileStore = fileStore;
        this.files = files;
        this.store = store;
        this.buckets = buckets;
        this.objects = objects;
        this.vertx = vertx;
    }

    static String partsFolder(UUID upload) {
        return S3Buckets.UPLOADS_FOLDER + "/" + upload + "/";
    }

    Uni<Void> create(Request req) {
        S3Objects.path(req.bucket, req.key);
        String type = ContentTypes.declared(req.header("content-type"));
        var headers = S3Objects.keptHeaders(req);
        var meta = S3Objects.userMeta(req);
        return buckets.require(req)
                .flatMap(x -> store.createUpload(req.signed.tenant(), req.bucket, req.key, type == null ? ContentTypes.OCTETS : type, headers, meta))
                .invoke(id -> Reply.xml(req, 200, new Xml().root("InitiateMultipartUploadResult").el("Bucket", req.bucket).el("Key", req.key)
                        .el("UploadId", id).close("InitiateMultipartUploadResult").toString()))
                .replaceWithVoid();
    }

    /** The upload named by ?uploadId, which must be for this bucket and key. */
    private Uni<S3Store.Upload> upload(Request req) {
        UUID id;
        try {
            id = Ids.parse(req.param("uploadId"));
        } catch (ProblemException e) {
            return Uni.createFrom().failure(S3Error.noSuchUpload());
        }
        return store.upload(req.signed.tenant(), id).map(found -> found
                .filter(u -> u.bucket().equals(req.bucket) && u.key().equals(req.key))
                .orElseThrow(S3Error::noSuchUpload));
    }

    Uni<Void> uploadPart(Request req) {
        UUID tenant = req.signed.tenant();
        int number = partNumber(req.param("partNumber"));
        if (req.header("x-amz-copy-source") != null) {
            return uploadPartCopy(req, number);
        }
        Payload.checkMd5Format(req.header("content-md5"));
        Payload payload = new Payload(req, req.signed).storedWithSha256();
        long length = req.contentLength();
        return upload(req).flatMap(u -> fileStore.upload(tenant, partPath(u.id(), number), ContentTypes.OCTETS, length, payload.apply(S3Objects.body(req)),
                true, (conn, saved) -> {
                    payload.checkStoredSha256(saved.file().sha256());
                    return store.putPart(conn, tenant, u.id(), number, saved.file().size(), payload.md5());
                }))
                .invoke(() -> {
                    req.http.response().putHeader("ETag", "\"" + SigV4.hex(payload.md5()) + "\"");
                    Reply.empty(req, 200);
                }).replaceWithVoid();
    }

    /** UploadPartCopy: the part's bytes come from an object of the tenant (x-amz-copy-source, optional x-amz-copy-source-range). */
    private Uni<Void> uploadPartCopy(Request req, int number) {
        UUID tenant = req.signed.tenant();
        S3Objects.Source src = S3Objects.Source.of(req.header("x-amz-copy-source"));
        String rangeHeader = req.header("x-amz-copy-source-range");
        return upload(req).flatMap(u -> objects.source(tenant, src).flatMap(c -> {
            Stored s = c.at().stored();
            long start = 0;
            long end = s.size();
            if (rangeHeader != null) {
                long[] r = S3Objects.range(rangeHeader, s.size());
                if (r == null || r[0] < 0 || !rangeHeader.matches("bytes=\\d+-\\d+")) {
                    throw new S3Error(400, "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last within the object");
                }
                start = r[0];
                end = r[1] + 1;
            }
            MessageDigest md5 = SigV4.digest("MD5");
            Multi<Buffer> content = files.content(s, start, end).invoke(b -> md5.update(b.getByteBuf().nioBuffer()));
            byte[][] digest = new byte[1][];
            return fileStore.upload(tenant, partPath(u.id(), number), ContentTypes.OCTETS, end - start, content, true, (conn, saved) -> {
                digest[0] = md5.digest();
                return store.putPart(conn, tenant, u.id(), number, saved.file().size(), digest[0]);
            }).invoke(saved -> Reply.xml(req, 200, new Xml().root("CopyPartResult").el("LastModified", Xml.time(saved.file().updatedAt()))
                    .el("ETag", "\"" + SigV4.hex(digest[0]) + "\"").close("CopyPartResult").toString())).replaceWithVoid();
        }));
    }

    private static FilePath partPath(UUID upload, int number) {
        return new FilePath(partsFolder(upload), Integer.toString(number));
    }

    static int partNumber(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 10000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw S3Error.invalidArgument("Part number must be an integer between 1 and 10000, inclusive");
    }

    Uni<Void> listParts(Request req) {
        return upload(req).flatMap(u -> store.parts(req.signed.tenant(), u.id()).invoke(parts -> {
            int after = req.param("part-number-marker") == null ? 0 : partNumberOrZero(req.param("part-number-marker"));
            int max = S3Buckets.maxKeys(req.param("max-parts"));
            List<S3Store.Part> page = parts.stream().filter(p -> p.number() > after).limit(max + 1L).toList();
            boolean truncated = page.size() > max;
            List<S3Store.Part> shown = truncated ? page.subList(0, max) : page;
            Xml x = new Xml().root("ListPartsResult").el("Bucket", req.bucket).el("Key", req.key).el("UploadId", u.id())
                    .el("PartNumberMarker", after).el("NextPartNumberMarker", shown.isEmpty() ? null : shown.get(shown.size() - 1).number())
                    .el("MaxParts", max).el("IsTruncated", truncated).el("StorageClass", "STANDARD");
            for (S3Store.Part p : shown) {
                x.open("Part").el("PartNumber", p.number()).el("LastModified", Xml.time(p.createdAt())).el("ETag", p.etag()).el("Size", p.size())
                        .close("Part");
            }
            Reply.xml(req, 200, x.close("ListPartsResult").toString());
        })).replaceWithVoid();
    }

    private static int partNumberOrZero(String v) {
        try {
            return Math.max(0, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            throw S3Error.invalidArgument("part-number-marker must be an integer");
        }
    }

    Uni<Void> listUploads(Request req) {
        String prefix = req.param("prefix") == null ? "" : req.param("prefix");
        int max = S3Buckets.maxKeys(req.param("max-uploads"));
        return buckets.require(req).flatMap(x -> store.uploads(req.signed.tenant(), req.bucket, prefix, max + 1)).invoke(uploads -> {
            boolean truncated = uploads.size() > max;
            Xml x = new Xml().root("ListMultipartUploadsResult").el("Bucket", req.bucket).el("KeyMarker", "").el("UploadIdMarker", "")
                    .el("Prefix", prefix).el("MaxUploads", max).el("IsTruncated", truncated);
            for (S3Store.Upload u : truncated ? uploads.subList(0, max) : uploads) {
                x.open("Upload").el("Key", u.key()).el("UploadId", u.id()).el("StorageClass", "STANDARD").el("Initiated", Xml.time(u.createdAt()))
                        .close("Upload");
            }
            Reply.xml(req, 200, x.close("ListMultipartUploadsResult").toString());
        }).replaceWithVoid();
    }

    Uni<Void> abort(Request req) {
        return upload(req).flatMap(u -> remove(req.signed.tenant(), u.id())).invoke(() -> Reply.empty(req, 204));
    }

    /** Removes an upload's parts (their files, for good) and its row. */
    Uni<Void> remove(UUID tenant, UUID upload) {
        return fileStore.deleteFolder(tenant, partsFolder(upload), true).replaceWithVoid()
                .onFailure(ProblemException.class).recoverWithNull()
                .flatMap(x -> store.deleteUpload(tenant, upload));
    }

    /**
     * Checks the listed parts, then links them in order into the object's new version (no byte is copied). As S3 does,
     * the 200 head goes out at once and a space every few seconds keeps the connection alive while the parts are
     * joined; the result (or an error document) follows.
     */
    Uni<Void> complete(Request req) {
        UUID tenant = req.signed.tenant();
        Payload payload = new Payload(req, req.signed);
        FilePath target = S3Objects.path(req.bucket, req.key);
        return upload(req).flatMap(u -> XmlIn.read(payload.apply(S3Objects.body(req))).flatMap(root -> store.parts(tenant, u.id()).flatMap(stored -> {
            List<S3Store.Part> chosen = chosen(root, stored);
            MessageDigest md5s = SigV4.digest("MD5");
            long total = 0;
            for (S3Store.Part p : chosen) {
                md5s.update(p.md5());
                total += p.size();
            }
            String etag = "\"" + SigV4.hex(md5s.digest()) + "-" + chosen.size() + "\"";
            HttpServerResponse resp = req.http.response();
            resp.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/xml").putHeader("x-amz-request-id", req.requestId);
            resp.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            long timer = vertx.setPeriodic(KEEP_ALIVE_MS, id -> {
                if (!resp.closed()) {
                    resp.write(" ");
                }
            });
            List<String> names = chosen.stream().map(p -> Integer.toString(p.number())).toList();
            return fileStore.assemble(tenant, target, u.contentType(), partsFolder(u.id()), names, (conn, saved) -> store.deleteUpload(conn, u.id())
                    .flatMap(mine -> {
                        if (!mine) {
                            throw S3Error.noSuchUpload();
                        }
                        return store.putMeta(conn, tenant, saved, etag, u.headers(), u.userMeta());
                    }))
                    .onFailure(ProblemException.class).transform(e -> ((ProblemException) e).status() == 400
                            ? new S3Error(400, "InvalidPart", e.getMessage()) : e)
                    .onItemOrFailure().invoke((saved, failure) -> {
                        vertx.cancelTimer(timer);
                        if (resp.closed()) {
                            return;
                        }
                        if (failure != null) {
                            S3Error e = Reply.translate(failure);
                            String doc = Xml.error(e, req.http.path(), req.requestId);
                            resp.end(doc.substring(doc.indexOf('\n') + 1));
                        } else {
                            String doc = new Xml().root("CompleteMultipartUploadResult").el("Location", "/" + req.bucket + "/" + req.key)
                                    .el("Bucket", req.bucket).el("Key", req.key).el("ETag", etag).close("CompleteMultipartUploadResult").toString();
                            resp.end(doc.substring(doc.indexOf('\n') + 1));
                        }
                    })
                    .onFailure().recoverWithNull().replaceWithVoid();
        })));
    }

    /** The parts the request lists, in ascending order, each stored with the ETag given, all but the last at least 5 MiB. */
    private static List<S3Store.Part> chosen(Element root, List<S3Store.Part> stored) {
        Map<Integer, S3Store.Part> byNumber = new TreeMap<>();
        stored.forEach(p -> byNumber.put(p.number(), p));
        List<S3Store.Part> out = new ArrayList<>();
        int last = 0;
        for (Element e : XmlIn.children(root, "Part")) {
            int n = partNumber(XmlIn.text(e, "PartNumber"));
            if (n <= last) {
                throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
            }
            last = n;
            S3Store.Part p = byNumber.get(n);
            String etag = XmlIn.text(e, "ETag");
            if (p == null || etag == null || !p.etag().equals(etag.startsWith("\"") ? etag : "\"" + etag + "\"")) {
                throw new S3Error(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the "
                        + "specified entity tag may not match the part's entity tag.");
            }
            out.add(p);
        }
        if (out.isEmpty()) {
            throw new S3Error(400, "MalformedXML", "The XML you provided lists no parts");
        }
        for (int i = 0; i < out.size() - 1; i++) {
            if (out.get(i).size() < MIN_PART) {
                throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
            }
        }
        return out;
    }
}
