package dev.onebase.s3;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.auth.ApiKeys;
import dev.onebase.ratelimit.RequestLimit;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * Checks a request's AWS Signature V4, in the Authorization header or in a presigned URL's query, against the
 * secret of the access key it names; refuses a clock skew beyond {@code onebase.s3.max-clock-skew} and expired
 * presigned URLs; then applies the key's scopes and the tenant's request limit, as API keys get.
 */
@ApplicationScoped
public class S3Auth {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(S3Auth.class);

    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final long MAX_EXPIRES = 604800;

    private final S3KeyStore keys;
    private final RequestLimit requestLimit;
    private final S3Config config;

    public S3Auth(S3KeyStore keys, RequestLimit requestLimit, S3Config config) {
        this.keys = keys;
        this.requestLimit = requestLimit;
        this.config = config;
    }

    Uni<Request.Signed> authenticate(Request req) {
        String authorization = req.header("authorization");
        if (authorization != null) {
            return header(req, authorization);
        }
        if (req.param("X-Amz-Algorithm") != null) {
            return presigned(req);
        }
        return Uni.createFrom().failure(S3Error.accessDenied("Anonymous access is not allowed: sign the request with an onebase S3 access key"));
    }

    private Uni<Request.Signed> header(Request req, String authorization) {
        SigV4.Authorization auth = SigV4.Authorization.parse(authorization);
        String amzDate = req.header("x-amz-date");
        if (amzDate == null && req.header("date") != null) {
            try {
                amzDate = AMZ_DATE.format(ZonedDateTime.parse(req.header("date"), DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException e) {
                amzDate = null;
            }
        }
        Instant at = parseDate(amzDate);
        checkSkew(at);
        String payload = req.header("x-amz-content-sha256");
        if (payload == null) {
            throw new S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
        }
        if (!auth.signedHeaders().contains("host")) {
            throw S3Error.signature("The signed headers must include host");
        }
        String date = amzDate;
        return verify(req, auth.credential(), auth.signedHeaders(), auth.signature(), date, payload, req.query);
    }

    private Uni<Request.Signed> presigned(Request req) {
        if (!SigV4.ALGORITHM.equals(req.param("X-Amz-Algorithm"))) {
            throw S3Error.invalidArgument("Only " + SigV4.ALGORITHM + " presigned URLs are supported");
        }
        String credential = req.param("X-Amz-Credential");
        String amzDate = req.param("X-Amz-Date");
        String signedHeaders = req.param("X-Amz-SignedHeaders");
        String signature = req.param("X-Amz-Signature");
        String expires = req.param("X-Amz-Expires");
        if (credential == null || amzDate == null || signedHeaders == null || signature == null || expires == null) {
            throw new S3Error(400, "AuthorizationQueryParametersError",
                    "A presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature");
        }
        long seconds;
        try {
            seconds = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 1 || seconds > MAX_EXPIRES) {
            throw new S3Error(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and " + MAX_EXPIRES + " seconds");
        }
        Instant at = parseDate(amzDate);
        if (at.isAfter(Instant.now().plus(config.maxClockSkew()))) {
            throw new S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large");
        }
        if (Instant.now().isAfter(at.plusSeconds(seconds))) {
            throw S3Error.accessDenied("Request has expired");
        }
        Map<String, List<String>> query = new LinkedHashMap<>(req.query);
        query.remove("X-Amz-Signature");
        String payload = req.param("X-Amz-Content-Sha256") != null ? req.param("X-Amz-Content-Sha256") : SigV4.UNSIGNED;
        return verify(req, SigV4.Credential.parse(credential), List.of(signedHeaders.split(";")), signature, amzDate, payload, query);
    }

    private Uni<Request.Signed> verify(Request req, SigV4.Credential cred, List<String> signedHeaders, String signature, String amzDate,
            String payload, Map<String, List<String>> query) {
        if (!amzDate.startsWith(cred.date()) || !"s3".equals(cred.service())) {
            throw S3Error.signature("The credential's date or service does not match the request");
        }
        String canonical = SigV4.canonicalRequest(req.method, req.rawPath, query, req.headers(), signedHeaders, payload);
        String toSign = SigV4.stringToSign(amzDate, cred.scope(), canonical);
        return keys.find(cred.accessKeyId()).flatMap(found -> {
            S3KeyStore.Found key = found.orElseThrow(() -> new S3Error(403, "InvalidAccessKeyId",
                    "The AWS access key Id you provided does not exist in our records."));
            byte[] signingKey = SigV4.signingKey(key.secret(), cred);
            if (!SigV4.same(SigV4.sign(signingKey, toSign), signature)) {
                LOG.debugf("Signature mismatch for %s; canonical request:%n%s", cred.accessKeyId(), canonical);
                throw S3Error.signature("The request signature we calculated does not match the signature you provided. Check your key and signing method.");
            }
            if ("suspended".equals(key.status())) {
                throw S3Error.accessDenied("The tenant is suspended");
            }
            String needed = req.method.equals("GET") || req.method.equals("HEAD") ? ApiKeys.SCOPE_READ : ApiKeys.SCOPE_WRITE;
            if (!key.scopes().contains(needed)) {
                throw S3Error.accessDenied("The access key lacks the '" + needed + "' scope");
            }
            Request.Signed signed = new Request.Signed(key.tenant(), key.keyId(), key.scopes(), key.plan(), signingKey, amzDate, cred.scope(),
                    signature, payload);
            return requestLimit.enforce(key.tenant(), key.plan())
                    .onFailure(ProblemException.class).transform(e -> new S3Error(503, "SlowDown", "Please reduce your request rate."))
                    .map(decision -> signed);
        });
    }

    private static Instant parseDate(String amzDate) {
        if (amzDate == null) {
            throw S3Error.accessDenied("AWS authentication requires a valid Date or x-amz-date header");
        }
        try {
            return ZonedDateTime.parse(amzDate, AMZ_DATE).toInstant();
        } catch (DateTimeParseException e) {
            throw S3Error.accessDenied("AWS authentication requires a valid Date or x-amz-date header");
        }
    }

    private void checkSkew(Instant at) {
        if (Duration.between(at, Instant.now()).abs().compareTo(config.maxClockSkew()) > 0) {
            throw new S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
        }
    }
}
