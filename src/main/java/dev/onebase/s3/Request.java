package dev.onebase.s3;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.vertx.core.http.HttpServerRequest;

/** One S3 request as the handlers see it: bucket, key, decoded query, lower-cased headers; then who signed it. */
final class Request {

    final HttpServerRequest http;
    final String method;
    final String rawPath;
    final Map<String, List<String>> query;
    private final Map<String, String> headers = new TreeMap<>();
    final String bucket;
    final String key;
    final String requestId;
    Signed signed;
    /** Whether the body has been asked for (and a 100 Continue sent to a client that waited for one). */
    boolean continued;

    /** What the signature check established: the tenant and key, and what chunk signatures are chained to. */
    record Signed(UUID tenant, UUID keyId, Set<String> scopes, String plan, byte[] key, String amzDate, String scope, String signature,
            String payloadHash) {
    }

    Request(HttpServerRequest http, String virtualBucket, String requestId) {
        this.http = http;
        this.method = http.method().name();
        this.requestId = requestId;
        String raw = http.path();
        this.rawPath = raw == null || raw.isEmpty() ? "/" : raw;
        http.headers().forEach(e -> headers.merge(e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + "," + b));
        if (!headers.containsKey("host") && http.host() != null) {
            // HTTP/2 (an h2c upgrade) carries it as the :authority pseudo-header
            headers.put("host", http.host());
        }
        this.query = parseQuery(http.query());
        String path = SigV4.decodePath(rawPath).substring(1);
        if (virtualBucket != null) {
            bucket = virtualBucket;
            key = path.isEmpty() ? null : path;
        } else {
            int slash = path.indexOf('/');
            bucket = path.isEmpty() ? null : slash < 0 ? path : path.substring(0, slash);
            String k = slash < 0 ? "" : path.substring(slash + 1);
            key = k.isEmpty() ? null : k;
        }
    }

    String header(String name) {
        return headers.get(name);
    }

    Set<String> headerNames() {
        return headers.keySet();
    }

    Map<String, String> headers() {
        return headers;
    }

    String param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    boolean has(String name) {
        return query.containsKey(name);
    }

    long contentLength() {
        String cl = header("x-amz-decoded-content-length");
        if (cl == null) {
            cl = header("content-length");
        }
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            throw S3Error.invalidArgument("Content-Length is not a number");
        }
    }

    /** Query parameters decoded ('+' as space, as form encoding has it), in order, with repeated names kept. */
    static Map<String, List<String>> parseQuery(String q) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (q == null || q.isEmpty()) {
            return out;
        }
        for (String pair : q.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static String decode(String s) {
        return SigV4.decodePath(s.replace("+", "%20"));
    }
}
