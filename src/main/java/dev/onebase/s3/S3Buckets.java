package dev.onebase.s3;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.file.FileObjects;
import dev.onebase.file.FileObjects.Entry;
import io.smallrye.mutiny.Uni;

/**
 * Buckets and listings. A bucket is a top-level folder of the tenant's files: names are unique per tenant (the
 * access key says whose buckets these are, and a global name space would tell one tenant which names another uses).
 * CreateBucket records the name so an empty bucket exists; a top-level folder made through /api/v1/files is a bucket
 * too. Folders starting with '.' (the multipart parts' ".s3-uploads") are not buckets.
 */
@ApplicationScoped
public class S3Buckets {

    static final String UPLOADS_FOLDER = ".s3-uploads";
    private static final int MAX_KEYS = 1000;

    private final S3Store store;
    private final FileObjects files;
    private final S3Config config;

    public S3Buckets(S3Store store, FileObjects files, S3Config config) {
        this.store = store;
        this.files = files;
        this.config = config;
    }

    /** Fails with NoSuchBucket unless the tenant has the bucket (recorded, or a folder with files). */
    Uni<Void> require(Request req) {
        return exists(req.signed.tenant(), req.bucket).map(found -> {
            if (!found) {
                throw S3Error.noSuchBucket(req.bucket);
            }
            return null;
        });
    }

    Uni<Boolean> exists(UUID tenant, String bucket) {
        if (bucket.startsWith(".") || bucket.contains("/")) {
            return Uni.createFrom().item(false);
        }
        return store.bucketRecorded(tenant, bucket).flatMap(recorded -> recorded ? Uni.createFrom().item(true)
                : files.folderHasFiles(tenant, bucket + "/"));
    }

    Uni<Void> list(Request req) {
        UUID tenant = req.signed.tenant();
        return store.buckets(tenant).flatMap(recorded -> files.topFolders(tenant).map(folders -> {
            Map<String, String> all = new TreeMap<>();
            folders.forEach(f -> {
                if (!f.name().startsWith(".")) {
                    all.put(f.name(), Xml.time(f.createdAt()));
                }
            });
            recorded.forEach(b -> all.put(b.name(), Xml.time(b.createdAt())));
            Xml x = new Xml().root("ListAllMyBucketsResult").open("Owner").el("ID", tenant).el("DisplayName", tenant).close("Owner").open("Buckets");
            all.forEach((name, created) -> x.open("Bucket").el("Name", name).el("CreationDate", created).close("Bucket"));
            Reply.xml(req, 200, x.close("Buckets").close("ListAllMyBucketsResult").toString());
            return null;
        }));
    }

    Uni<Void> head(Request req) {
        return require(req).invoke(() -> {
            req.http.response().putHeader("x-amz-bucket-region", config.region());
            Reply.empty(req, 200);
        });
    }

    Uni<Void> create(Request req) {
        return store.createBucket(req.signed.tenant(), req.bucket).map(created -> {
            if (!created) {
                throw new S3Error(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
            }
            req.http.response().putHeader("Location", "/" + req.bucket);
            Reply.empty(req, 200);
            return null;
        });
    }

    Uni<Void> delete(Request req) {
        UUID tenant = req.signed.tenant();
        return files.folderHasFiles(tenant, req.bucket + "/").flatMap(busy -> {
            if (busy) {
                throw new S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
            }
            return store.deleteBucket(tenant, req.bucket);
        }).map(deleted -> {
            if (!deleted) {
                throw S3Error.noSuchBucket(req.bucket);
            }
            Reply.empty(req, 204);
            return null;
        });
    }

    Uni<Void> location(Request req) {
        return require(req).invoke(() -> Reply.xml(req, 200, new Xml().open("LocationConstraint xmlns=\"" + Xml.NS + "\"")
                .toString() + (config.region().equals("us-east-1") ? "" : Xml.escape(config.region())) + "</LocationConstraint>"));
    }

    /** onebase always keeps versions (up to onebase.files.max-versions per file). */
    Uni<Void> versioning(Request req) {
        return require(req).invoke(() -> Reply.xml(req, 200, new Xml().root("VersioningConfiguration").el("Status", "Enabled")
                .close("VersioningConfiguration").toString()));
    }

    /** ListObjectsV2 ({@code list-type=2}) and ListObjects (v1): one query, common prefixes rolled up in SQL. */
    Uni<Void> listObjects(Request req) {
        boolean v2 = "2".equals(req.param("list-type"));
        String prefix = req.param("prefix") == null ? "" : req.param("prefix");
        String delimiter = req.param("delimiter") == null || req.param("delimiter").isEmpty() ? null : req.param("delimiter");
        int max = maxKeys(req.param("max-keys"));
        boolean url = "url".equals(req.param("encoding-type"));
        String token = req.param("continuation-token");
        String after = v2 ? (token != null ? decodeToken(token) : req.param("start-after")) : req.param("marker");
        String base = req.bucket + "/";
        UUID tenant = req.signed.tenant();
        return require(req).flatMap(x -> files.list(tenant, base + prefix, delimiter, after == null ? null : base + after, max + 1))
                .flatMap(entries -> {
                    boolean truncated = entries.size() > max && max > 0;
                    List<Entry> page = entries.size() > max ? entries.subList(0, max) : entries;
                    List<UUID> ids = new ArrayList<>();
                    page.forEach(e -> {
                        if (!e.prefix()) {
                            ids.add(e.id());
                        }
                    });
                    return store.etags(tenant, ids).map(etags -> {
                        String root = v2 ? "ListBucketResult" : "ListBucketResult";
                        Xml x = new Xml().root(root).el("Name", req.bucket).el("Prefix", enc(prefix, url)).el("KeyCount", v2 ? page.size() : null)
                                .el("MaxKeys", max).el("Delimiter", delimiter == null ? null : enc(delimiter, url)).el("EncodingType", url ? "url" : null)
                                .el("IsTruncated", truncated);
                        if (v2) {
                            x.el("ContinuationToken", token).el("StartAfter", req.param("start-after") == null ? null : enc(req.param("start-after"), url));
                            if (truncated) {
                                x.el("NextContinuationToken", encodeToken(page.get(page.size() - 1).path().substring(base.length())));
                            }
                        } else {
                            x.el("Marker", after == null ? "" : enc(after, url));
                            if (truncated && delimiter != null) {
                                x.el("NextMarker", enc(page.get(page.size() - 1).path().substring(base.length()), url));
                            }
                        }
                        for (Entry e : page) {
                            String key = e.path().substring(base.length());
                            if (e.prefix()) {
                                continue;
                            }
                            x.open("Contents").el("Key", enc(key, url)).el("LastModified", Xml.time(e.modified()))
                                    .el("ETag", etag(etags.get(S3Store.etagKey(e.id(), e.version(), e.sha256())), e.sha256()))
                                    .el("Size", e.size()).el("StorageClass", "STANDARD").close("Contents");
                        }
                        for (Entry e : page) {
                            if (e.prefix()) {
                                x.open("CommonPrefixes").el("Prefix", enc(e.path().substring(base.length()), url)).close("CommonPrefixes");
                            }
                        }
                        Reply.xml(req, 200, x.close(root).toString());
                        return null;
                    });
                });
    }

    /** Every kept version under the prefix (versionId is onebase's version number), newest first per key; one page. */
    Uni<Void> listVersions(Request req) {
        String prefix = req.param("prefix") == null ? "" : req.param("prefix");
        int max = maxKeys(req.param("max-keys"));
        boolean url = "url".equals(req.param("encoding-type"));
        String base = req.bucket + "/";
        UUID tenant = req.signed.tenant();
        return require(req).flatMap(x -> files.versions(tenant, base + prefix, max + 1)).flatMap(versions -> {
            boolean truncated = versions.size() > max;
            var page = truncated ? versions.subList(0, max) : versions;
            List<UUID> ids = new ArrayList<>();
            page.forEach(v -> ids.add(v.id()));
            return store.etags(tenant, ids).map(etags -> {
                Xml x = new Xml().root("ListVersionsResult").el("Name", req.bucket).el("Prefix", enc(prefix, url)).el("KeyMarker", "")
                        .el("VersionIdMarker", "").el("MaxKeys", max).el("EncodingType", url ? "url" : null).el("IsTruncated", truncated);
                for (var v : page) {
                    x.open("Version").el("Key", enc(v.path().substring(base.length()), url)).el("VersionId", v.version())
                            .el("IsLatest", v.current()).el("LastModified", Xml.time(v.modified()))
                            .el("ETag", etag(etags.get(S3Store.etagKey(v.id(), v.version(), v.sha256())), v.sha256()))
                            .el("Size", v.size()).el("StorageClass", "STANDARD").close("Version");
                }
                Reply.xml(req, 200, x.close("ListVersionsResult").toString());
                return null;
            });
        });
    }

    /** The S3 ETag when the version was written over S3, else the content's SHA-256 (the ETag of /api/v1/files). */
    static String etag(String s3, byte[] sha256) {
        return s3 != null ? s3 : "\"" + SigV4.hex(sha256) + "\"";
    }

    static int maxKeys(String given) {
        if (given == null) {
            return MAX_KEYS;
        }
        try {
            int n = Integer.parseInt(given);
            if (n >= 0) {
                return Math.min(n, MAX_KEYS);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw S3Error.invalidArgument("max-keys must be a non-negative integer");
    }

    static String enc(String s, boolean url) {
        return url ? URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20") : s;
    }

    private static String encodeToken(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw S3Error.invalidArgument("The continuation token provided is incorrect");
        }
    }
}
