package dev.onebase.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * What every operation of {@code /q/openapi} shares, added after the resources' annotations and the router routes'
 * {@code XOperations} filters ({@link RoutedOperations}): the feature tag (by path), the credential (an API key for
 * {@code /api} and OFREP, the admin token for {@code /admin}, none for sign-up), the answers the request pipeline gives
 * before any resource runs (401 and 403 from authentication, 429 from the request limit, 400, 413 and 415 for a
 * malformed request, 404 for an id that names nothing, 503 while the database is unreachable), every error as
 * {@code application/problem+json} with the {@code Problem} schema, and the examples of the component schemas
 * ({@code openapi/examples.json}). The document test holds every operation to it (docs/api.md, "The OpenAPI document").
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD, priority = Integer.MIN_VALUE)
public class OpenApiDocument implements OASFilter {

    public static final String API_KEY = "apiKey";
    public static final String ADMIN_TOKEN = "adminToken";
    static final String PROBLEM = "Problem";
    static final String SIGNUP = "/api/v1/signup";

    /** Path prefix → feature tag, the most specific first. */
    static final Map<String, String> TAGS = new LinkedHashMap<>();
    /** Feature tag → its description, in the order the document lists them. */
    static final Map<String, String> FEATURES = new LinkedHashMap<>();

    static {
        feature("tenants", "Sign up, your own tenant and its settings", SIGNUP, "/api/v1/tenant");
        feature("keys", "API keys of your tenant (the secret is shown once, when created)", "/api/v1/keys");
        feature("s3-keys", "Access keys for the S3 API (the secret is shown once, when created)", "/api/v1/keys/s3");
        feature("cache", "The key/value cache with Redis semantics", "/api/v1/cache");
        feature("sessions", "Sessions of your application's users", "/api/v1/sessions");
        feature("rate-limits", "GCRA rate limits for your own keys", "/api/v1/rate-limits");
        feature("flags", "Feature flags, their evaluation and history", "/api/v1/flags");
        feature("openfeature", "Flag evaluation for OpenFeature providers (OFREP)", "/ofrep/v1");
        feature("files", "Files streamed in and out of the database: versions, trash, thumbnails", "/api/v1/files",
                "/api/v1/folders");
        feature("stats", "Your tenant's usage", "/api/v1/usage");
        feature("admin-tenants", "Operators: provision, list, change plan, suspend, delete, restore and purge tenants",
                "/admin/tenants", "/admin/tenant-restores");
        feature("admin-flags", "Operators: any tenant's flags", "/admin/tenants/{id}/flags");
        feature("admin-s3-keys", "Operators: any tenant's S3 access keys", "/admin/tenants/{tenant}/s3-keys");
        feature("admin-stats", "Operators: the dashboard and every tenant's usage", "/admin/dashboard", "/admin/usage");
        feature("jobs", "Operators: maintenance jobs, their schedules, runs and history", "/admin/jobs");
        feature("backups", "Operators: backups, continuous WAL, restore tests, strategy advice", "/admin/backups");
    }

    private static void feature(String tag, String description, String... prefixes) {
        FEATURES.put(tag, description);
        for (String prefix : prefixes) {
            TAGS.put(prefix, tag);
        }
    }

    /** The feature a path belongs to, by its longest matching prefix; null when none does. */
    public static String tagFor(String path) {
        String best = null;
        for (String prefix : TAGS.keySet()) {
            if ((path.equals(prefix) || path.startsWith(prefix + "/")) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? null : TAGS.get(best);
    }

    /** The security scheme an operation on this path needs; null for none (sign-up). */
    public static String schemeFor(String path) {
        if (path.startsWith("/admin/")) {
            return ADMIN_TOKEN;
        }
        return path.equals(SIGNUP) ? null : API_KEY;
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.components(OASFactory.createComponents());
        }
        if (openAPI.getInfo() != null && openAPI.getInfo().getDescription() == null) {
            openAPI.getInfo().description("onebase: a SaaS backend on PostgreSQL alone (tenants, cache, sessions, flags, files,"
                    + " jobs, backups). Tenant routes take an API key, admin routes the admin token, both as 'Authorization:"
                    + " Bearer'; every error is application/problem+json.");
        }
        openAPI.getComponents().addSchema(PROBLEM, problemSchema());
        openAPI.getComponents().addSecurityScheme(API_KEY, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP)
                .scheme("bearer").bearerFormat("ob_<tenant id>_<secret>")
                .description("A tenant's API key, for /api and OFREP routes: 'Authorization: Bearer ob_...'. Shown once, when"
                        + " created (sign-up, POST /api/v1/keys, or an operator provisioning the tenant)."));
        openAPI.getComponents().addSecurityScheme(ADMIN_TOKEN, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("The operator's admin token (ONEBASE_ADMIN_TOKEN), for /admin routes: 'Authorization: Bearer ...'."));
        openAPI.setSecurity(null);
        List<org.eclipse.microprofile.openapi.models.tags.Tag> tags = new ArrayList<>();
        FEATURES.forEach((name, description) -> tags.add(OASFactory.createTag().name(name).description(description)));
        openAPI.setTags(tags);
        addExamples(openAPI);
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            for (Map.Entry<PathItem.HttpMethod, Operation> e : item.getOperations().entrySet()) {
                complete(path, e.getKey(), e.getValue());
            }
        });
    }

    private static void complete(String path, PathItem.HttpMethod method, Operation op) {
        String tag = tagFor(path);
        op.setTags(tag == null ? null : new ArrayList<>(List.of(tag)));
        String scheme = schemeFor(path);
        op.setSecurity(scheme == null ? new ArrayList<>()
                : new ArrayList<>(List.of(OASFactory.createSecurityRequirement().addScheme(scheme))));
        if (op.getResponses() == null) {
            op.responses(OASFactory.createAPIResponses());
        }
        APIResponses responses = op.getResponses();
        dropGuessedOk(responses);
        boolean body = op.getRequestBody() != null;
        boolean params = path.contains("{") || (op.getParameters() != null && !op.getParameters().isEmpty());
        if (body || params) {
            standard(responses, "400", body ? "a malformed request: a body that is not what it should be (bad JSON, an"
                    + " unknown field) or a malformed parameter" : "a malformed parameter");
        }
        if (path.contains("{")) {
            standard(responses, "404", "nothing of that name or id (in your tenant)");
        }
        if (body) {
            standard(responses, "413", "the body is over the limit (JSON bodies: onebase.http.max-json-body, 64 KiB)");
            boolean json = op.getRequestBody().getContent() != null && op.getRequestBody().getContent().getMediaTypes() != null
                    && op.getRequestBody().getContent().getMediaTypes().keySet().stream().anyMatch(t -> t.contains("json"));
            if (json) {
                standard(responses, "415", "the body is not sent as JSON");
            }
        }
        if (API_KEY.equals(scheme)) {
            standard(responses, "401", "no API key, or an unknown or revoked one, or a deleted tenant's");
            standard(responses, "403", "the key lacks the scope this call needs (read, write, manage), or the tenant is"
                    + " suspended");
            standard(responses, "429", "over the tenant's request limit: Retry-After says when to try again");
        } else if (ADMIN_TOKEN.equals(scheme)) {
            standard(responses, "401", "no admin token, or not the configured one (or none is configured)");
        }
        standard(responses, "503", "the database is unreachable: Retry-After says when to try again");
        responses.getAPIResponses().forEach((status, response) -> {
            if (status.startsWith("4") || status.startsWith("5")) {
                if (response.getContent() == null || response.getContent().getMediaTypes() == null
                        || response.getContent().getMediaTypes().isEmpty()) {
                    response.content(problemContent(Integer.parseInt(status), response.getDescription()));
                }
                if ((status.equals("429") || status.equals("503")) && (response.getHeaders() == null
                        || !response.getHeaders().containsKey("Retry-After"))) {
                    response.addHeader("Retry-After", OASFactory.createHeader().description("seconds to wait before trying again")
                            .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER))));
                }
            }
        });
        if (method == PathItem.HttpMethod.HEAD) {
            // a HEAD answer has no body: keep the statuses and headers, say so for the success
            responses.getAPIResponses().forEach((status, response) -> {
                if (status.startsWith("2")) {
                    response.setContent(null);
                }
            });
        }
    }

    /**
     * A method that answers a JAX-RS Response gets a guessed "200 OK" without a schema from the scanner even when its
     * annotations name the statuses it really answers (201, 202, 204): that guess goes.
     */
    private static void dropGuessedOk(APIResponses responses) {
        APIResponse ok = responses.getAPIResponse("200");
        boolean otherSuccess = responses.getAPIResponses() != null && responses.getAPIResponses().keySet().stream()
                .anyMatch(s -> s.startsWith("2") && !s.equals("200"));
        if (ok != null && otherSuccess && "OK".equals(ok.getDescription()) && (ok.getContent() == null
                || ok.getContent().getMediaTypes() == null
                || ok.getContent().getMediaTypes().values().stream().allMatch(m -> m.getSchema() == null))) {
            responses.removeAPIResponse("200");
        }
    }

    private static void standard(APIResponses responses, String status, String description) {
        if (responses.getAPIResponse(status) == null) {
            responses.addAPIResponse(status, OASFactory.createAPIResponse().description(description));
        }
    }

    private static Content problemContent(int status, String description) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", "urn:onebase:problem:" + status);
        example.put("title", reason(status));
        example.put("status", status);
        example.put("detail", description == null ? reason(status) : capitalized(description));
        example.put("instance", "/api/v1/cache/greeting");
        example.put("requestId", "c79f15c2-f321-4e3d-a8c5-e8f0647c35e5");
        MediaType media = OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM)).example(example);
        return OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, media);
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 416 -> "Range Not Satisfiable";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }

    private static Schema problemSchema() {
        Schema text = OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING));
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("An RFC 7807 problem: the body of every error answer (application/problem+json)")
                .addProperty("type", text.description("a URI naming the kind of problem, urn:onebase:problem:<status>"))
                .addProperty("title", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))
                        .description("the status' reason phrase"))
                .addProperty("status", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER)).format("int32")
                        .description("the HTTP status"))
                .addProperty("detail", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))
                        .description("what went wrong, for a person to read"))
                .addProperty("instance", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))
                        .description("the path of the request"))
                .addProperty("requestId", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))
                        .description("the request id, also in the X-Request-Id header and the logs"))
                .required(List.of("type", "title", "status"))
                .example(RoutedOperations.parse("""
                        {"type":"urn:onebase:problem:404","title":"Not Found","status":404,"detail":"No such key",
                         "instance":"/api/v1/cache/greeting","requestId":"c79f15c2-f321-4e3d-a8c5-e8f0647c35e5"}"""));
    }

    /** Each component schema named in openapi/examples.json gets that example, unless its annotations gave one. */
    private static void addExamples(OpenAPI openAPI) {
        Map<String, Object> examples;
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi/examples.json")) {
            if (in == null) {
                return;
            }
            examples = new ObjectMapper().readValue(in, new TypeReference<Map<String, Object>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException("openapi/examples.json is not valid JSON", e);
        }
        Map<String, Schema> schemas = openAPI.getComponents().getSchemas();
        if (schemas == null) {
            return;
        }
        examples.forEach((name, example) -> {
            Schema schema = schemas.get(name);
            if (schema != null && schema.getExample() == null) {
                schema.setExample(example);
            }
        });
    }
}
