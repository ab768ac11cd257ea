package dev.onebase.cache;

import static dev.onebase.web.RoutedOperations.add;
import static dev.onebase.web.RoutedOperations.bytes;
import static dev.onebase.web.RoutedOperations.operation;
import static dev.onebase.web.RoutedOperations.pathParam;
import static dev.onebase.web.RoutedOperations.response;

import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem.HttpMethod;

import dev.onebase.web.RoutedOperations;
import io.quarkus.smallrye.openapi.OpenApiFilter;

/** The cache GET and HEAD of {@link CacheGetRoute} live outside JAX-RS: this documents them ({@link RoutedOperations}). */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class CacheOperations implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        add(openAPI, "/api/v1/cache/{key}", HttpMethod.GET, get("CacheGetRoute_get", "Get a value (GET)",
                "The value as it was stored, with the content type it was stored with (application/octet-stream when none)."
                        + " An expired key is a 404 like a missing one. Read scope."));
        add(openAPI, "/api/v1/cache/{key}", HttpMethod.HEAD, get("CacheGetRoute_head", "Check a value (HEAD)",
                "The headers GET would answer (Content-Type, Content-Length), without the value. Read scope."));
    }

    private static Operation get(String id, String summary, String description) {
        Operation op = operation(id, summary, description,
                pathParam("key", "the key: 1 to the plan's key length in bytes, no NUL, not '_batch'", "greeting"));
        op.getResponses()
                .addAPIResponse("200", response("the value, as stored", bytes("application/octet-stream", "hello")))
                .addAPIResponse("404", response("no such key, or it expired", null));
        return op;
    }
}
