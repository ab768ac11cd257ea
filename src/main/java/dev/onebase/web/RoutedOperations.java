package dev.onebase.web;

import java.io.IOException;
import java.util.List;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How a route served from the HTTP router rather than JAX-RS (see {@link RouterRequests}) gets into {@code /q/openapi}:
 * it has no annotations for the scanner, so its feature documents it in an {@code XOperations} filter
 * ({@code @OpenApiFilter(stages = BUILD)}, next to the route) built with these helpers: the operation with its summary,
 * description, parameters, body and the answers particular to it. What every operation shares (problem answers,
 * security, tags) is added afterwards by {@link OpenApiDocument}, for router and JAX-RS routes alike.
 */
public final class RoutedOperations {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RoutedOperations() {
    }

    /** Adds {@code operation} to {@code path} for {@code method}, keeping what the path already holds. */
    public static void add(OpenAPI openAPI, String path, PathItem.HttpMethod method, Operation operation) {
        if (openAPI.getPaths() == null) {
            openAPI.paths(OASFactory.createPaths());
        }
        PathItem item = openAPI.getPaths().getPathItem(path);
        if (item == null) {
            item = OASFactory.createPathItem();
            openAPI.getPaths().addPathItem(path, item);
        }
        item.setOperation(method, operation);
    }

    public static Operation operation(String operationId, String summary, String description, Parameter... parameters) {
        return OASFactory.createOperation().operationId(operationId).summary(summary).description(description)
                .parameters(List.of(parameters)).responses(OASFactory.createAPIResponses());
    }

    public static Parameter pathParam(String name, String description, Object example) {
        return OASFactory.createParameter().name(name).in(Parameter.In.PATH).required(true).description(description)
                .schema(string()).example(example);
    }

    public static Parameter queryParam(String name, String description, Schema schema, Object example) {
        return OASFactory.createParameter().name(name).in(Parameter.In.QUERY).description(description).schema(schema)
                .example(example);
    }

    public static Parameter headerParam(String name, String description, Object example) {
        return OASFactory.createParameter().name(name).in(Parameter.In.HEADER).description(description).schema(string())
                .example(example);
    }

    public static APIResponse response(String description, Content content) {
        APIResponse response = OASFactory.createAPIResponse().description(description);
        return content == null ? response : response.content(content);
    }

    /** Raw bytes of any type (the stored content type is sent back), with an example. */
    public static Content bytes(String mediaType, String example) {
        return OASFactory.createContent().addMediaType(mediaType, OASFactory.createMediaType()
                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).format("binary")).example(example));
    }

    /** JSON of the named component schema ({@code #/components/schemas/name}), with an example given as JSON text. */
    public static Content json(String schemaName, String exampleJson) {
        return json(OASFactory.createSchema().ref(schemaName), exampleJson);
    }

    public static Content json(Schema schema, String exampleJson) {
        return OASFactory.createContent().addMediaType("application/json",
                OASFactory.createMediaType().schema(schema).example(parse(exampleJson)));
    }

    public static Schema string() {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING));
    }

    public static Schema integer() {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER));
    }

    public static Schema object(String description) {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT)).description(description);
    }

    /** JSON text as the plain maps, lists and values an example holds in the model. */
    public static Object parse(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + json, e);
        }
    }
}
