package dev.onebase.web;

import java.util.List;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * The routes served from the HTTP router rather than JAX-RS (see {@link RouterRequests}) have no annotations for the
 * OpenAPI scanner; this adds them to {@code /q/openapi} so the document lists every route of the API.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class RoutedOperations implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null) {
            openAPI.paths(OASFactory.createPaths());
        }
        java.util.function.Function<String, Operation> cacheGet = id -> operation("Cache",
                "GET: the value as stored, with its content type (HEAD: the headers only)", id,
                List.of(pathParam("key", "the key (1 to the plan's key length, no NUL, not '_batch')")),
                responses("200", "the value", bytes(), "404", "no such key, or expired"));
        openAPI.getPaths().addPathItem("/api/v1/cache/{key}", pathItem(openAPI, "/api/v1/cache/{key}")
                .GET(cacheGet.apply("CacheGetRoute_get")).HEAD(cacheGet.apply("CacheGetRoute_head")));

        openAPI.getPaths().addPathItem("/api/v1/files/{path}", pathItem(openAPI, "/api/v1/files/{path}").PUT(operation("Files",
                "Upload the raw body to a path (folders/name); streamed, never buffered. Content-Length is required.",
                "FileRoutes_putRaw", List.of(pathParam("path", "folders and file name, '/'-separated")),
                responses("201", "created: the file", json(), "200", "a new version of an existing file")).requestBody(
                        OASFactory.createRequestBody().required(true).content(bytes()))));
        openAPI.getPaths().addPathItem("/api/v1/files", pathItem(openAPI, "/api/v1/files").POST(operation("Files",
                "Upload one file part of a multipart/form-data body (folder from ?folder= or a 'folder' field sent first)",
                "FileRoutes_postMultipart", List.of(queryParam("folder", "the folder to put the file in")),
                responses("201", "created: the file", json(), "200", "a new version of an existing file"))));
        List<Parameter> thumbs = List.of(queryParam("w", "thumbnail width (images only)"), queryParam("h", "thumbnail height (images only)"));
        java.util.function.Function<String, Operation> download = id -> operation("Files",
                "Download the content (Range, If-None-Match and ?w/?h thumbnails supported)", id,
                concat(List.of(pathParam("id", "the file id")), thumbs), responses("200", "the content", bytes(), "206", "the requested range"));
        openAPI.getPaths().addPathItem("/api/v1/files/{id}/content", pathItem(openAPI, "/api/v1/files/{id}/content")
                .GET(download.apply("FileRoutes_download")).HEAD(download.apply("FileRoutes_downloadHead")));
        java.util.function.Function<String, Operation> version = id -> operation("Files", "Download one version's content", id,
                List.of(pathParam("id", "the file id"), pathParam("version", "the version number")),
                responses("200", "the content", bytes(), "206", "the requested range"));
        openAPI.getPaths().addPathItem("/api/v1/files/{id}/versions/{version}/content",
                pathItem(openAPI, "/api/v1/files/{id}/versions/{version}/content")
                        .GET(version.apply("FileRoutes_downloadVersion")).HEAD(version.apply("FileRoutes_downloadVersionHead")));
    }

    private static PathItem pathItem(OpenAPI openAPI, String path) {
        PathItem existing = openAPI.getPaths().getPathItem(path);
        return existing != null ? existing : OASFactory.createPathItem();
    }

    private static Operation operation(String tag, String summary, String id, List<Parameter> parameters, APIResponses responses) {
        return OASFactory.createOperation().addTag(tag).summary(summary).operationId(id).parameters(parameters).responses(responses);
    }

    private static APIResponses responses(String ok, String okText, Content okContent, String other, String otherText) {
        Content problem = OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                OASFactory.createMediaType().schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))));
        return OASFactory.createAPIResponses()
                .addAPIResponse(ok, OASFactory.createAPIResponse().description(okText).content(okContent))
                .addAPIResponse(other, OASFactory.createAPIResponse().description(otherText))
                .addAPIResponse("400", OASFactory.createAPIResponse().description("a malformed request (e.g. a reserved key)").content(problem))
                .addAPIResponse("401", OASFactory.createAPIResponse().description("no valid API key").content(problem))
                .addAPIResponse("403", OASFactory.createAPIResponse().description("the key lacks the scope, or the tenant is suspended").content(problem))
                .addAPIResponse("429", OASFactory.createAPIResponse().description("over the plan's request limit (Retry-After)").content(problem));
    }

    private static Content bytes() {
        return OASFactory.createContent().addMediaType("*/*", OASFactory.createMediaType()
                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).format("binary")));
    }

    private static Content json() {
        return OASFactory.createContent().addMediaType("application/json",
                OASFactory.createMediaType().schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))));
    }

    private static Parameter pathParam(String name, String description) {
        return OASFactory.createParameter().name(name).in(Parameter.In.PATH).required(true).description(description)
                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)));
    }

    private static Parameter queryParam(String name, String description) {
        return OASFactory.createParameter().name(name).in(Parameter.In.QUERY).description(description)
                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)));
    }

    private static List<Parameter> concat(List<Parameter> a, List<Parameter> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
