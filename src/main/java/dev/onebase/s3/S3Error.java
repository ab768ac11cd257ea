package dev.onebase.s3;

/** A failure answered as S3 answers it: an HTTP status and an S3 error code in an XML body. */
final class S3Error extends RuntimeException {

    private final int status;
    private final String code;

    S3Error(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    static S3Error accessDenied(String message) {
        return new S3Error(403, "AccessDenied", message);
    }

    static S3Error signature(String message) {
        return new S3Error(403, "SignatureDoesNotMatch", message);
    }

    static S3Error invalidArgument(String message) {
        return new S3Error(400, "InvalidArgument", message);
    }

    static S3Error noSuchBucket(String bucket) {
        return new S3Error(404, "NoSuchBucket", "The specified bucket does not exist: " + bucket);
    }

    static S3Error noSuchKey(String key) {
        return new S3Error(404, "NoSuchKey", "The specified key does not exist: " + key);
    }

    static S3Error notImplemented(String what) {
        return new S3Error(501, "NotImplemented", what + " is not implemented by onebase");
    }

    static S3Error noSuchUpload() {
        return new S3Error(404, "NoSuchUpload", "The specified multipart upload does not exist");
    }
}
