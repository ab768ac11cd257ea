package dev.onebase.file;

import static dev.onebase.web.RoutedOperations.add;
import static dev.onebase.web.RoutedOperations.bytes;
import static dev.onebase.web.RoutedOperations.headerParam;
import static dev.onebase.web.RoutedOperations.integer;
import static dev.onebase.web.RoutedOperations.json;
import static dev.onebase.web.RoutedOperations.operation;
import static dev.onebase.web.RoutedOperations.pathParam;
import static dev.onebase.web.RoutedOperations.queryParam;
import static dev.onebase.web.RoutedOperations.response;

import java.util.List;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem.HttpMethod;
import org.eclipse.microprofile.openapi.models.media.Schema;

import dev.onebase.web.RoutedOperations;
import io.quarkus.smallrye.openapi.OpenApiFilter;

/** The streaming uploads and downloads of {@link FileRoutes} live outside JAX-RS: this documents them ({@link RoutedOperations}). */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class FileOperations implements OASFilter {

    static final String FILE = """
            {"id":"0b5e8d3c-3c1a-4c6e-9a55-5a4d1f0e2b7a","path":"notes/hello.txt","folder":"notes","name":"hello.txt",
             "contentType":"text/plain","size":14,"sha256":"c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a",
             "storage":"database","version":1,"createdAt":"2026-12-01T09:00:00Z","updatedAt":"2026-12-01T09:00:00Z"}""";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Operation put = operation("FileRoutes_putRaw", "Upload a file (raw body)",
                "Stores the raw body at a path (folders and name, '/'-separated), streamed into the database and never"
                        + " buffered whole; Content-Length is required. A new path answers 201, an existing one gets a new"
                        + " version and answers 200. Write scope.",
                pathParam("path", "folders and file name, '/'-separated", "notes/hello.txt"));
        put.requestBody(OASFactory.createRequestBody().required(true).description("the file's bytes; its Content-Type is kept")
                .content(bytes("application/octet-stream", "my first file")));
        put.getResponses()
                .addAPIResponse("201", response("created: the new file", json("FileView", FILE)))
                .addAPIResponse("200", response("a new version of the file at that path", json("FileView", FILE)))
                .addAPIResponse("408", response("no part of the body arrived for the idle timeout", null))
                .addAPIResponse("411", response("no Content-Length", null))
                .addAPIResponse("413", response("larger than the plan's largest file, or over the tenant's storage", null));
        add(openAPI, "/api/v1/files/{path}", HttpMethod.PUT, put);

        Operation post = operation("FileRoutes_postMultipart", "Upload a file (multipart form)",
                "Stores the one file part of a multipart/form-data body, streamed; the folder comes from ?folder= or a"
                        + " 'folder' field sent before the file. A new path answers 201, an existing one gets a new version"
                        + " and answers 200. Write scope.",
                queryParam("folder", "the folder to put the file in", RoutedOperations.string(), "notes"));
        post.requestBody(OASFactory.createRequestBody().required(true).content(OASFactory.createContent().addMediaType(
                "multipart/form-data", OASFactory.createMediaType().schema(OASFactory.createSchema()
                        .type(List.of(Schema.SchemaType.OBJECT))
                        .addProperty("folder", RoutedOperations.string().description("the folder, sent before the file"))
                        .addProperty("file", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).format("binary")
                                .description("the file; its file name and Content-Type are kept"))
                        .required(List.of("file")))
                        .example(RoutedOperations.parse("{\"folder\":\"notes\",\"file\":\"my first file\"}")))));
        post.getResponses()
                .addAPIResponse("201", response("created: the new file", json("FileView", FILE)))
                .addAPIResponse("200", response("a new version of the file at that path", json("FileView", FILE)))
                .addAPIResponse("408", response("no part of the body arrived for the idle timeout", null))
                .addAPIResponse("413", response("larger than the plan's largest file, or over the tenant's storage", null))
                .addAPIResponse("415", response("not multipart/form-data", null));
        add(openAPI, "/api/v1/files", HttpMethod.POST, post);

        add(openAPI, "/api/v1/files/{id}/content", HttpMethod.GET, download("FileRoutes_download", "Download a file",
                "The current version's content, streamed; Range (206), If-None-Match (304) and, for PNG and JPEG images,"
                        + " a thumbnail with ?w= and/or ?h=. Read scope.", false));
        add(openAPI, "/api/v1/files/{id}/content", HttpMethod.HEAD, download("FileRoutes_downloadHead",
                "Check a file's content (HEAD)", "The headers GET would answer, without the content. Read scope.", false));
        add(openAPI, "/api/v1/files/{id}/versions/{version}/content", HttpMethod.GET, download("FileRoutes_downloadVersion",
                "Download one version", "The content of one version of the file, streamed, with Range and If-None-Match."
                        + " Read scope.", true));
        add(openAPI, "/api/v1/files/{id}/versions/{version}/content", HttpMethod.HEAD, download(
                "FileRoutes_downloadVersionHead", "Check one version's content (HEAD)",
                "The headers GET would answer for that version, without the content. Read scope.", true));
    }

    private static Operation download(String id, String summary, String description, boolean version) {
        Operation op = operation(id, summary, description,
                pathParam("id", "the file id", "0b5e8d3c-3c1a-4c6e-9a55-5a4d1f0e2b7a"),
                headerParam("Range", "one byte range, e.g. bytes=0-99", "bytes=0-99"),
                headerParam("If-None-Match", "the ETag you hold: 304 when it still matches", "\"c0535e4b\""));
        if (version) {
            op.addParameter(pathParam("version", "the version number, from 1", "1"));
        } else {
            op.addParameter(queryParam("w", "thumbnail width in pixels (PNG and JPEG only)", integer(), 64));
            op.addParameter(queryParam("h", "thumbnail height in pixels (PNG and JPEG only)", integer(), 64));
        }
        op.getResponses()
                .addAPIResponse("200", response("the content, with its Content-Type and ETag", bytes("application/octet-stream",
                        "my first file")))
                .addAPIResponse("206", response("the requested range (Content-Range)", bytes("application/octet-stream", "my")))
                .addAPIResponse("304", response("not modified: the If-None-Match ETag still matches", null))
                .addAPIResponse("404", response("no such file (or version) in your tenant", null))
                .addAPIResponse("416", response("the range is outside the file", null));
        if (!version) {
            op.getResponses().addAPIResponse("422", response("a thumbnail of something that is not a PNG or JPEG image, or"
                    + " too large to scale", null));
        }
        return op;
    }
}
