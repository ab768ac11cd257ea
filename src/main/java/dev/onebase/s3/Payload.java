package dev.onebase.s3;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/**
 * A request body as S3 checks it, on its way to storage: aws-chunked framing removed (each chunk's signature checked
 * when the payload is signed), the declared SHA-256, Content-MD5 and additional checksum (header or trailer) compared
 * at the end, and the MD5 kept for the ETag. A failed check fails the stream, so the upload's transaction rolls back.
 */
final class Payload {

    private enum State { HEADER, DATA, DATA_END, TRAILER, DONE }

    private static final int MAX_LINE = 4096;

    private final Request.Signed signed;
    private final String mode;
    private final long decodedLength;
    private final String contentMd5;
    private final MessageDigest md5 = SigV4.digest("MD5");
    private MessageDigest sha256;
    private boolean sha256Deferred;
    private final MessageDigest chunkSha;
    private Checksums.Running checksum;
    private String checksumHeader;
    private String checksumExpected;
    private final boolean chunked;

    private State state = State.HEADER;
    private final StringBuilder line = new StringBuilder();
    private long chunkLeft;
    private String chunkSignature;
    private String previousSignature;
    private final StringBuilder trailers = new StringBuilder();
    private String trailerSignature;
    private long decoded;
    private int endBytes;
    private byte[] md5Digest;

    Payload(Request req, Request.Signed signed) {
        this.signed = signed;
        this.mode = signed.payloadHash();
        this.chunked = mode.startsWith("STREAMING-");
        this.previousSignature = signed.signature();
        String dl = req.header("x-amz-decoded-content-length");
        this.decodedLength = dl == null ? -1 : parseLong(dl);
        this.contentMd5 = req.header("content-md5");
        this.sha256 = mode.length() == 64 ? SigV4.digest("SHA-256") : null;
        this.chunkSha = mode.equals(SigV4.STREAMING) || mode.equals(SigV4.STREAMING_TRAILER) ? SigV4.digest("SHA-256") : null;
        if (!chunked && !mode.equals(SigV4.UNSIGNED) && sha256 == null) {
            throw new S3Error(400, "InvalidArgument", "x-amz-content-sha256 must be a SHA-256, UNSIGNED-PAYLOAD or a STREAMING- mode");
        }
        String trailer = req.header("x-amz-trailer");
        if (trailer != null && chunked) {
            checksumHeader = trailer.trim().toLowerCase(Locale.ROOT);
            checksum = Checksums.of(checksumHeader);
        } else {
            for (String name : req.headerNames()) {
                if (name.startsWith(Checksums.PREFIX) && !name.equals("x-amz-checksum-algorithm") && !name.equals("x-amz-checksum-type")) {
                    checksumHeader = name;
                    checksum = Checksums.of(name);
                    checksumExpected = req.header(name);
                }
            }
        }
    }

    /** The decoded, checked body. */
    Multi<Buffer> apply(Multi<Buffer> raw) {
        Multi<Buffer> body = chunked ? raw.onItem().transformToIterable(this::decode) : raw.invoke(this::consume);
        return body.onCompletion().call(() -> {
            finish();
            return Uni.createFrom().voidItem();
        });
    }

    /**
     * For a body that becomes a file: the file store hashes every byte with SHA-256 anyway, so a declared
     * x-amz-content-sha256 is compared with the stored file's hash ({@link #checkStoredSha256}, in the upload's
     * transaction) instead of hashing the body a second time here.
     */
    Payload storedWithSha256() {
        if (sha256 != null) {
            sha256 = null;
            sha256Deferred = true;
        }
        return this;
    }

    /** Refuses (S3's XAmzContentSHA256Mismatch) a stored body whose SHA-256 (hex) is not the declared one. */
    void checkStoredSha256(String hex) {
        if (sha256Deferred && !mode.equalsIgnoreCase(hex)) {
            throw sha256Mismatch();
        }
    }

    private static S3Error sha256Mismatch() {
        return new S3Error(400, "XAmzContentSHA256Mismatch", "The body's SHA-256 is not the one declared in x-amz-content-sha256");
    }

    /** The MD5 of the decoded body, once it has ended. */
    byte[] md5() {
        return md5Digest;
    }

    long length() {
        return decoded;
    }

    private void consume(Buffer data) {
        var nio = data.getByteBuf().nioBuffer();
        md5.update(nio.duplicate());
        if (sha256 != null) {
            sha256.update(nio.duplicate());
        }
        if (chunkSha != null) {
            chunkSha.update(nio.duplicate());
        }
        if (checksum != null) {
            checksum.update(nio.duplicate());
        }
        decoded += data.length();
    }

    private List<Buffer> decode(Buffer in) {
        List<Buffer> out = new ArrayList<>(2);
        int i = 0;
        int n = in.length();
        while (i < n) {
            switch (state) {
                case HEADER, TRAILER -> {
                    byte b = in.getByte(i++);
                    if (b == '\n') {
                        String l = line.toString();
                        line.setLength(0);
                        if (!l.endsWith("\r")) {
                            throw incomplete();
                        }
                        l = l.substring(0, l.length() - 1);
                        if (state == State.HEADER) {
                            header(l);
                        } else {
                            trailer(l);
                        }
                    } else if (line.length() >= MAX_LINE) {
                        throw incomplete();
                    } else {
                        line.append((char) (b & 0xff));
                    }
                }
                case DATA -> {
                    int take = (int) Math.min(chunkLeft, n - i);
                    Buffer slice = in.slice(i, i + take);
                    consume(slice);
                    out.add(slice);
                    i += take;
                    chunkLeft -= take;
                    if (chunkLeft == 0) {
                        state = State.DATA_END;
                        endBytes = 0;
                    }
                }
                case DATA_END -> {
                    byte b = in.getByte(i++);
                    if (b != (endBytes == 0 ? '\r' : '\n')) {
                        throw incomplete();
                    }
                    if (++endBytes == 2) {
                        checkChunk();
                        state = State.HEADER;
                    }
                }
                case DONE -> {
                    // anything after the last chunk is ignored, as S3 does
                    i = n;
                }
            }
        }
        return out;
    }

    private void header(String l) {
        int semi = l.indexOf(';');
        String size = semi < 0 ? l : l.substring(0, semi);
        try {
            chunkLeft = Long.parseLong(size.trim(), 16);
        } catch (NumberFormatException e) {
            throw incomplete();
        }
        chunkSignature = null;
        if (semi >= 0) {
            String ext = l.substring(semi + 1).trim();
            if (ext.startsWith("chunk-signature=")) {
                chunkSignature = ext.substring("chunk-signature=".length());
            }
        }
        if (chunkSha != null && chunkSignature == null) {
            throw S3Error.signature("A chunk of a signed streaming upload has no signature");
        }
        if (chunkLeft == 0) {
            checkChunk();
            state = State.TRAILER;
        } else {
            state = State.DATA;
        }
    }

    private void checkChunk() {
        if (chunkSha == null) {
            return;
        }
        String expected = SigV4.chunkSignature(signed.key(), signed.amzDate(), signed.scope(), previousSignature, chunkSha.digest());
        if (!SigV4.same(expected, chunkSignature)) {
            throw S3Error.signature("A chunk's signature does not match");
        }
        previousSignature = expected;
    }

    private void trailer(String l) {
        if (l.isEmpty()) {
            state = State.DONE;
            return;
        }
        int colon = l.indexOf(':');
        if (colon < 0) {
            throw incomplete();
        }
        String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = l.substring(colon + 1).trim();
        if (name.equals("x-amz-trailer-signature")) {
            trailerSignature = value;
        } else {
            trailers.append(name).append(':').append(value).append('\n');
            if (name.equals(checksumHeader)) {
                checksumExpected = value;
            }
        }
    }

    private void finish() {
        if (chunked) {
            if (state != State.DONE && !(state == State.TRAILER && line.isEmpty())) {
                throw incomplete();
            }
            if (mode.equals(SigV4.STREAMING_TRAILER)) {
                String expected = SigV4.trailerSignature(signed.key(), signed.amzDate(), signed.scope(), previousSignature, trailers.toString());
                if (!SigV4.same(expected, trailerSignature)) {
                    throw S3Error.signature("The trailer's signature does not match");
                }
            }
            if (checksumHeader != null && checksumExpected == null) {
                throw new S3Error(400, "MalformedTrailerError", "The announced trailer " + checksumHeader + " was not sent");
            }
        }
        if (decodedLength >= 0 && decoded != decodedLength) {
            throw incomplete();
        }
        if (sha256 != null && !MessageDigest.isEqual(sha256.digest(), HexFormat.of().parseHex(mode))) {
            throw sha256Mismatch();
        }
        if (checksum != null && checksumExpected != null && !checksum.base64().equals(checksumExpected)) {
            throw new S3Error(400, "BadDigest", "The " + checksumHeader + " you specified did not match the calculated checksum");
        }
        md5Digest = md5.digest();
        checkMd5(md5Digest);
    }

    /** Checks Content-MD5 against the finished MD5 (S3's BadDigest). */
    private void checkMd5(byte[] digest) {
        if (contentMd5 == null) {
            return;
        }
        byte[] declared;
        try {
            declared = Base64.getDecoder().decode(contentMd5.trim());
        } catch (IllegalArgumentException e) {
            throw new S3Error(400, "InvalidDigest", "The Content-MD5 you specified is not valid");
        }
        if (!MessageDigest.isEqual(declared, digest)) {
            throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received");
        }
    }

    /** Validated before a byte is read, so a malformed Content-MD5 is refused at once. */
    static void checkMd5Format(String contentMd5) {
        if (contentMd5 == null) {
            return;
        }
        try {
            if (Base64.getDecoder().decode(contentMd5.trim()).length == 16) {
                return;
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw new S3Error(400, "InvalidDigest", "The Content-MD5 you specified is not valid");
    }

    private static S3Error incomplete() {
        return new S3Error(400, "IncompleteBody", "The request body is not a complete aws-chunked body of the declared length");
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw S3Error.invalidArgument("x-amz-decoded-content-length is not a number");
        }
    }

    static String base64(byte[] b) {
        return new String(Base64.getEncoder().encode(b), StandardCharsets.US_ASCII);
    }
}
