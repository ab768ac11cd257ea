package dev.onebase.backup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * A bucket of an S3-compatible object store, path style, signed with AWS Signature V4 over the JDK HTTP client (no
 * SDK: the native image stays small). Every upload declares the file's SHA-256 (the store checks it on arrival) and
 * MD5, and is then read back with HEAD: its size and ETag must be the file's, or the copy counts as failed.
 */
final class OffsiteStore {

    /** Where the copies go; {@code prefix} is the folder inside the bucket ("" or ending in /). */
    record Target(URI endpoint, String bucket, String region, String accessKeyId, String secretAccessKey, String prefix) {
    }

    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final Target target;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    OffsiteStore(Target target) {
        this.target = target;
    }

    Target target() {
        return target;
    }

    /** Uploads {@code file} as {@code key} (below the prefix) and checks what arrived. */
    void put(String key, Path file) throws IOException {
        MessageDigest sha = Artifacts.sha256();
        MessageDigest md5 = md5();
        Artifacts.digest(file, sha, md5);
        String sha256 = Artifacts.hex(sha.digest());
        byte[] md5sum = md5.digest();
        long size = Files.size(file);
        HttpResponse<String> r = send("PUT", key, Map.of(), HttpRequest.BodyPublishers.ofFile(file), sha256,
                Map.of("Content-MD5", Base64.getEncoder().encodeToString(md5sum), "Content-Type", "application/octet-stream"));
        expect(r, 200, "PUT " + key);
        HttpResponse<String> head = send("HEAD", key, Map.of(), HttpRequest.BodyPublishers.noBody(), emptySha(), Map.of());
        expect(head, 200, "HEAD " + key);
        long arrived = head.headers().firstValueAsLong("Content-Length").orElse(-1);
        String etag = head.headers().firstValue("ETag").orElse("").replace("\"", "");
        if (arrived != size || !etag.equalsIgnoreCase(Artifacts.hex(md5sum))) {
            throw new BackupException("off-site copy of " + key + " arrived damaged: " + arrived + " bytes, ETag " + etag
                    + "; sent " + size + " bytes, MD5 " + Artifacts.hex(md5sum));
        }
    }

    /** Downloads {@code key} into {@code file}, checking the bytes against the ETag (an MD5) the store reports. */
    void get(String key, Path file) throws IOException {
        HttpResponse<Path> r = sendTo(key, file);
        if (r.statusCode() != 200) {
            Files.deleteIfExists(file);
            throw new BackupException("off-site GET " + key + ": HTTP " + r.statusCode());
        }
        String etag = r.headers().firstValue("ETag").orElse("").replace("\"", "");
        MessageDigest md5 = md5();
        Artifacts.digest(file, md5);
        if (etag.matches("[0-9a-fA-F]{32}") && !etag.equalsIgnoreCase(Artifacts.hex(md5.digest()))) {
            throw new BackupException("off-site copy " + key + " is damaged: its MD5 is not its ETag " + etag);
        }
        Artifacts.makePrivate(file);
    }

    /** Every key (below the prefix, without it) that starts with {@code under}. */
    List<String> list(String under) throws IOException {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            Map<String, String> query = new TreeMap<>(Map.of("list-type", "2", "prefix", target.prefix() + under));
            if (token != null) {
                query.put("continuation-token", token);
            }
            HttpResponse<String> r = send("GET", null, query, HttpRequest.BodyPublishers.noBody(), emptySha(), Map.of());
            expect(r, 200, "list " + under);
            Document doc = xml(r.body());
            NodeList contents = doc.getElementsByTagName("Key");
            for (int i = 0; i < contents.getLength(); i++) {
                keys.add(contents.item(i).getTextContent().substring(target.prefix().length()));
            }
            NodeList truncated = doc.getElementsByTagName("IsTruncated");
            NodeList next = doc.getElementsByTagName("NextContinuationToken");
            token = truncated.getLength() > 0 && "true".equals(truncated.item(0).getTextContent()) && next.getLength() > 0
                    ? next.item(0).getTextContent()
                    : null;
        } while (token != null);
        return keys;
    }

    void delete(String key) throws IOException {
        HttpResponse<String> r = send("DELETE", key, Map.of(), HttpRequest.BodyPublishers.noBody(), emptySha(), Map.of());
        if (r.statusCode() != 204 && r.statusCode() != 200 && r.statusCode() != 404) {
            throw new BackupException("off-site DELETE " + key + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    /** Null when the bucket can be listed with these credentials, else what is wrong. */
    String problem() {
        try {
            HttpResponse<String> r = send("GET", null, new TreeMap<>(Map.of("list-type", "2", "max-keys", "1")),
                    HttpRequest.BodyPublishers.noBody(), emptySha(), Map.of());
            return r.statusCode() == 200 ? null : "HTTP " + r.statusCode() + " " + r.body();
        } catch (IOException | RuntimeException e) {
            return BackupException.messageOf(e);
        }
    }

    private HttpResponse<String> send(String method, String key, Map<String, String> query, HttpRequest.BodyPublisher body,
            String payloadSha, Map<String, String> headers) throws IOException {
        try {
            return http.send(signed(method, key, query, body, payloadSha, headers), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException("interrupted: " + method + " " + key);
        }
    }

    private HttpResponse<Path> sendTo(String key, Path file) throws IOException {
        try {
            return http.send(signed("GET", key, Map.of(), HttpRequest.BodyPublishers.noBody(), emptySha(), Map.of()),
                    HttpResponse.BodyHandlers.ofFile(file));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException("interrupted: GET " + key);
        }
    }

    private HttpRequest signed(String method, String key, Map<String, String> query, HttpRequest.BodyPublisher body,
            String payloadSha, Map<String, String> headers) {
        String path = "/" + encode(target.bucket(), false) + (key == null ? "" : "/" + encode(target.prefix() + key, true));
        StringBuilder q = new StringBuilder();
        new TreeMap<>(query).forEach((k, v) -> q.append(q.isEmpty() ? "" : "&").append(encode(k, false)).append('=').append(encode(v, false)));
        URI base = target.endpoint();
        String host = base.getHost() + (base.getPort() > 0 ? ":" + base.getPort() : "");
        String basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        URI uri = URI.create(base.getScheme() + "://" + host + basePath + path + (q.isEmpty() ? "" : "?" + q));
        String amzDate = AMZ_DATE.format(Instant.now());
        String day = amzDate.substring(0, 8);
        String scope = day + "/" + target.region() + "/s3/aws4_request";
        String canonical = method + "\n" + basePath + path + "\n" + q + "\nhost:" + host + "\nx-amz-content-sha256:" + payloadSha
                + "\nx-amz-date:" + amzDate + "\n\nhost;x-amz-content-sha256;x-amz-date\n" + payloadSha;
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + Artifacts.hex(Artifacts.sha256().digest(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] k = hmac(("AWS4" + target.secretAccessKey()).getBytes(StandardCharsets.UTF_8), day);
        k = hmac(hmac(hmac(k, target.region()), "s3"), "aws4_request");
        String signature = Artifacts.hex(hmac(k, toSign));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT).method(method, body)
                .header("x-amz-date", amzDate).header("x-amz-content-sha256", payloadSha)
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + target.accessKeyId() + "/" + scope
                        + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + signature);
        headers.forEach(b::header);
        return b.build();
    }

    /** RFC 3986 encoding as SigV4 wants it; slashes stay in object keys. */
    private static String encode(String s, boolean keepSlash) {
        String e = URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
        return keepSlash ? e.replace("%2F", "/") : e;
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String emptySha() {
        return Artifacts.hex(Artifacts.sha256().digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new BackupException("off-site " + what + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private static Document xml(String body) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(javax.xml.XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException("unreadable listing from the off-site store: " + e.getMessage(), e);
        }
    }
}
