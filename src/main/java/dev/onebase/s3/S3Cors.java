package dev.onebase.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.w3c.dom.Element;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Per-bucket CORS (Put/Get/DeleteBucketCors) for browser uploads and downloads with presigned URLs. Bucket names
 * are per tenant, so an unauthenticated preflight finds its bucket through the access key id in the presigned URL
 * it is sent to (the id names the tenant); a preflight without one is refused.
 */
@ApplicationScoped
public class S3Cors {

    private final S3Store store;
    private final S3Buckets buckets;

    public S3Cors(S3Store store, S3Buckets buckets) {
        this.store = store;
        this.buckets = buckets;
    }

    record Rule(List<String> origins, List<String> methods, List<String> headers, List<String> expose, Integer maxAge) {
    }

    Uni<Void> put(Request req) {
        Payload payload = new Payload(req, req.signed);
        return buckets.require(req).flatMap(x -> XmlIn.read(payload.apply(S3Objects.body(req)))).flatMap(root -> {
            List<Rule> rules = rules(root);
            if (rules.isEmpty() || rules.size() > 100) {
                throw new S3Error(400, "MalformedXML", "A CORS configuration holds 1 to 100 rules");
            }
            StringBuilder xml = new StringBuilder();
            Xml doc = new Xml().root("CORSConfiguration");
            for (Rule r : rules) {
                doc.open("CORSRule");
                r.origins().forEach(o -> doc.el("AllowedOrigin", o));
                r.methods().forEach(m -> doc.el("AllowedMethod", m));
                r.headers().forEach(h -> doc.el("AllowedHeader", h));
                r.expose().forEach(h -> doc.el("ExposeHeader", h));
                doc.el("MaxAgeSeconds", r.maxAge());
                doc.close("CORSRule");
            }
            xml.append(doc.close("CORSConfiguration"));
            return store.setCors(req.signed.tenant(), req.bucket, xml.toString());
        }).invoke(() -> Reply.empty(req, 200));
    }

    Uni<Void> get(Request req) {
        return buckets.require(req).flatMap(x -> store.cors(req.signed.tenant(), req.bucket)).invoke(cors -> {
            Reply.xml(req, 200, cors.orElseThrow(() -> new S3Error(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist")));
        }).replaceWithVoid();
    }

    Uni<Void> delete(Request req) {
        return buckets.require(req).flatMap(x -> store.setCors(req.signed.tenant(), req.bucket, null)).invoke(() -> Reply.empty(req, 204));
    }

    /** An OPTIONS preflight: allowed by a rule of the bucket, or 403. */
    Uni<Void> preflight(Request req) {
        String origin = req.header("origin");
        String method = req.header("access-control-request-method");
        String credential = Optional.ofNullable(req.param("X-Amz-Credential")).orElse("");
        Optional<UUID> named = S3KeyStore.tenantOf(credential.contains("/") ? credential.substring(0, credential.indexOf('/')) : credential);
        if (origin == null || method == null || req.bucket == null || named.isEmpty()) {
            throw new S3Error(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. Preflight a presigned URL of a bucket with a CORS rule.");
        }
        UUID tenant = named.get();
        List<String> asked = new ArrayList<>();
        String requested = req.header("access-control-request-headers");
        if (requested != null) {
            for (String h : requested.split(",")) {
                if (!h.isBlank()) {
                    asked.add(h.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return rule(tenant, req.bucket, origin, method, asked).map(found -> {
            Rule r = found.orElseThrow(() -> new S3Error(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed."));
            HttpServerResponse resp = req.http.response();
            allow(resp, r, origin);
            resp.putHeader("Access-Control-Allow-Methods", String.join(", ", r.methods()));
            if (!asked.isEmpty()) {
                resp.putHeader("Access-Control-Allow-Headers", String.join(", ", asked));
            }
            if (r.maxAge() != null) {
                resp.putHeader("Access-Control-Max-Age", r.maxAge().toString());
            }
            Reply.empty(req, 200);
            return null;
        });
    }

    /** Adds the CORS headers to an actual request from an allowed origin. */
    Uni<Void> decorate(Request req) {
        String origin = req.header("origin");
        if (origin == null || req.bucket == null) {
            return Uni.createFrom().voidItem();
        }
        return rule(req.signed.tenant(), req.bucket, origin, req.method, List.of()).invoke(found -> found.ifPresent(r -> allow(req.http.response(), r, origin)))
                .replaceWithVoid();
    }

    private static void allow(HttpServerResponse resp, Rule r, String origin) {
        resp.putHeader("Access-Control-Allow-Origin", r.origins().contains("*") ? "*" : origin).putHeader("Vary", "Origin");
        if (!r.expose().isEmpty()) {
            resp.putHeader("Access-Control-Expose-Headers", String.join(", ", r.expose()));
        }
    }

    private Uni<Optional<Rule>> rule(UUID tenant, String bucket, String origin, String method, List<String> headers) {
        return store.cors(tenant, bucket).map(xml -> xml.flatMap(x -> rules(XmlIn.parse(Buffer.buffer(x))).stream()
                .filter(r -> r.origins().stream().anyMatch(o -> wildcard(o, origin)) && r.methods().contains(method)
                        && headers.stream().allMatch(h -> r.headers().stream().anyMatch(a -> wildcard(a.toLowerCase(Locale.ROOT), h))))
                .findFirst()));
    }

    private static boolean wildcard(String pattern, String value) {
        int star = pattern.indexOf('*');
        if (star < 0) {
            return pattern.equals(value);
        }
        return value.startsWith(pattern.substring(0, star)) && value.endsWith(pattern.substring(star + 1))
                && value.length() >= pattern.length() - 1;
    }

    private static List<Rule> rules(Element root) {
        List<Rule> out = new ArrayList<>();
        for (Element r : XmlIn.children(root, "CORSRule")) {
            List<String> origins = texts(r, "AllowedOrigin");
            List<String> methods = texts(r, "AllowedMethod");
            if (origins.isEmpty() || methods.isEmpty()
                    || !List.of("GET", "PUT", "HEAD", "POST", "DELETE").containsAll(methods)) {
                throw new S3Error(400, "MalformedXML", "Each CORSRule needs AllowedOrigin and AllowedMethod (GET, PUT, HEAD, POST, DELETE)");
            }
            String age = XmlIn.text(r, "MaxAgeSeconds");
            Integer maxAge;
            try {
                maxAge = age == null ? null : Integer.valueOf(age);
            } catch (NumberFormatException e) {
                throw new S3Error(400, "MalformedXML", "MaxAgeSeconds must be an integer");
            }
            out.add(new Rule(origins, methods, texts(r, "AllowedHeader"), texts(r, "ExposeHeader"), maxAge));
        }
        return out;
    }

    private static List<String> texts(Element parent, String name) {
        List<String> out = new ArrayList<>();
        XmlIn.children(parent, name).forEach(e -> out.add(e.getTextContent().trim()));
        return out;
    }
}
