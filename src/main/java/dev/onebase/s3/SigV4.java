package dev.onebase.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** AWS Signature Version 4 as S3 checks it: canonical request, string to sign, signing key, chunk signatures. */
final class SigV4 {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final String UNSIGNED = "UNSIGNED-PAYLOAD";
    static final String STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    static final String STREAMING_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    static final String STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private SigV4() {
    }

    /** {@code <date>/<region>/s3/aws4_request} and the access key id, from a Credential value. */
    record Credential(String accessKeyId, String date, String region, String service) {
        String scope() {
            return date + "/" + region + "/" + service + "/aws4_request";
        }

        static Credential parse(String value) {
            String[] p = value.split("/");
            if (p.length != 5 || !"aws4_request".equals(p[4]) || p[1].length() != 8) {
                throw new S3Error(400, "AuthorizationHeaderMalformed", "The credential is malformed: expecting '<key id>/YYYYMMDD/<region>/s3/aws4_request'");
            }
            return new Credential(p[0], p[1], p[2], p[3]);
        }
    }

    /** The parts of {@code Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...}. */
    record Authorization(Credential credential, List<String> signedHeaders, String signature) {
        static Authorization parse(String header) {
            if (!header.startsWith(ALGORITHM + " ")) {
                throw new S3Error(400, "InvalidArgument", "Only AWS Signature Version 4 (" + ALGORITHM + ") is supported");
            }
            Map<String, String> parts = new TreeMap<>();
            for (String item : header.substring(ALGORITHM.length() + 1).split(",")) {
                int eq = item.indexOf('=');
                if (eq > 0) {
                    parts.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
                }
            }
            String cred = parts.get("Credential");
            String signed = parts.get("SignedHeaders");
            String sig = parts.get("Signature");
            if (cred == null || signed == null || sig == null) {
                throw new S3Error(400, "AuthorizationHeaderMalformed", "The authorization header needs Credential, SignedHeaders and Signature");
            }
            return new Authorization(Credential.parse(cred), List.of(signed.split(";")), sig);
        }
    }

    static String canonicalRequest(String method, String rawPath, Map<String, List<String>> query, Map<String, String> headers,
            List<String> signedHeaders, String payloadHash) {
        StringBuilder b = new StringBuilder(method).append('\n').append(canonicalUri(rawPath)).append('\n');
        TreeMap<String, List<String>> sorted = new TreeMap<>();
        query.forEach((k, vs) -> {
            List<String> encoded = new ArrayList<>();
            vs.forEach(v -> encoded.add(encode(v, true)));
            encoded.sort(null);
            sorted.put(encode(k, true), encoded);
        });
        boolean first = true;
        for (var e : sorted.entrySet()) {
            for (String v : e.getValue()) {
                b.append(first ? "" : "&").append(e.getKey()).append('=').append(v);
                first = false;
            }
        }
        b.append('\n');
        for (String h : signedHeaders) {
            String v = headers.get(h);
            b.append(h).append(':').append(v == null ? "" : v.trim().replaceAll(" +", " ")).append('\n');
        }
        b.append('\n').append(String.join(";", signedHeaders)).append('\n').append(payloadHash);
        return b.toString();
    }

    /** The path as S3 canonicalises it: each segment decoded, then encoded once (unreserved characters and '/' kept). */
    static String canonicalUri(String rawPath) {
        String decoded = decodePath(rawPath);
        String encoded = encode(decoded, false);
        return encoded.isEmpty() ? "/" : encoded;
    }

    /** Percent-decodes a raw path ('+' stays '+', as S3 reads paths). */
    static String decodePath(String raw) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw S3Error.invalidArgument("The path is not valid percent-encoding");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static String encode(String s, boolean slash) {
        StringBuilder b = new StringBuilder(s.length() * 2);
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
                    || c == '/' && !slash) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    static String stringToSign(String amzDate, String scope, String canonicalRequest) {
        return ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] signingKey(String secret, Credential c) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), c.date());
        k = hmac(k, c.region());
        k = hmac(k, c.service());
        return hmac(k, "aws4_request");
    }

    static String sign(byte[] key, String stringToSign) {
        return hex(hmac(key, stringToSign));
    }

    /** The signature of one aws-chunked chunk, chained to the previous one (the seed is the request's signature). */
    static String chunkSignature(byte[] key, String amzDate, String scope, String previous, byte[] chunkSha256) {
        return sign(key, ALGORITHM + "-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + previous + "\n" + EMPTY_SHA256 + "\n" + hex(chunkSha256));
    }

    static String trailerSignature(byte[] key, String amzDate, String scope, String previous, String trailers) {
        return sign(key, ALGORITHM + "-TRAILER\n" + amzDate + "\n" + scope + "\n" + previous + "\n"
                + hex(sha256(trailers.getBytes(StandardCharsets.UTF_8))));
    }

    /** Compares in constant time: a signature check must not tell how many leading characters were right. */
    static boolean same(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        return digest("SHA-256").digest(data);
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
