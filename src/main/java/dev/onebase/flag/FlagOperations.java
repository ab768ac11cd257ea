package dev.onebase.flag;

import java.util.List;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/** The evaluation routes of {@link FlagEvaluationRoutes} live outside JAX-RS: this lists them in {@code /q/openapi}. */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class FlagOperations implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null) {
            openAPI.paths(OASFactory.createPaths());
        }
        add(openAPI, "/api/v1/flags/evaluate", operation("Flags", "Evaluate every flag of the tenant against one context (read scope)",
                "FlagEvaluationRoutes_evaluateAll", List.of(), responses("200", "{\"flags\":[{key, value, variant, reason, errorCode?}]}")));
        add(openAPI, "/api/v1/flags/{key}/evaluate", operation("Flags", "Evaluate one flag against a context (read scope)",
                "FlagEvaluationRoutes_evaluate", List.of(key()), responses("200", "{key, value, variant, reason, errorCode?}")
                        .addAPIResponse("404", OASFactory.createAPIResponse().description("FLAG_NOT_FOUND"))));
        add(openAPI, FlagEvaluationRoutes.OFREP, operation("OpenFeature (OFREP)",
                "OFREP bulk evaluation: every flag against one context; ETag, and 304 for a matching If-None-Match",
                "FlagEvaluationRoutes_ofrepBulk", List.of(OASFactory.createParameter().name("If-None-Match").in(Parameter.In.HEADER)
                        .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))),
                responses("200", "bulkEvaluationSuccess").addAPIResponse("304", OASFactory.createAPIResponse().description("not modified"))));
        add(openAPI, FlagEvaluationRoutes.OFREP + "/{key}", operation("OpenFeature (OFREP)", "OFREP evaluation of one flag",
                "FlagEvaluationRoutes_ofrep", List.of(key()), responses("200", "evaluationSuccess")
                        .addAPIResponse("404", OASFactory.createAPIResponse().description("flagNotFound").content(json()))));
    }

    private static void add(OpenAPI openAPI, String path, Operation post) {
        var existing = openAPI.getPaths().getPathItem(path);
        openAPI.getPaths().addPathItem(path, (existing != null ? existing : OASFactory.createPathItem()).POST(post));
    }

    private static Operation operation(String tag, String summary, String id, List<Parameter> parameters, APIResponses responses) {
        return OASFactory.createOperation().addTag(tag).summary(summary).operationId(id).parameters(parameters).responses(responses)
                .requestBody(OASFactory.createRequestBody().description("{\"context\": {\"targetingKey\": \"...\", ...}}").content(json()));
    }

    private static APIResponses responses(String ok, String okText) {
        return OASFactory.createAPIResponses()
                .addAPIResponse(ok, OASFactory.createAPIResponse().description(okText).content(json()))
                .addAPIResponse("400", OASFactory.createAPIResponse().description("PARSE_ERROR, INVALID_CONTEXT, TARGETING_KEY_MISSING or a bad key"))
                .addAPIResponse("401", OASFactory.createAPIResponse().description("no valid API key"))
                .addAPIResponse("403", OASFactory.createAPIResponse().description("the key lacks the read scope, or the tenant is suspended"))
                .addAPIResponse("413", OASFactory.createAPIResponse().description("over the JSON body limit"))
                .addAPIResponse("429", OASFactory.createAPIResponse().description("over the plan's request limit (Retry-After)"));
    }

    private static Content json() {
        return OASFactory.createContent().addMediaType("application/json",
                OASFactory.createMediaType().schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))));
    }

    private static Parameter key() {
        return OASFactory.createParameter().name("key").in(Parameter.In.PATH).required(true).description("the flag key")
                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)));
    }
}
