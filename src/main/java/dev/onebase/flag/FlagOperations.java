package dev.onebase.flag;

import static dev.onebase.web.RoutedOperations.add;
import static dev.onebase.web.RoutedOperations.headerParam;
import static dev.onebase.web.RoutedOperations.json;
import static dev.onebase.web.RoutedOperations.object;
import static dev.onebase.web.RoutedOperations.operation;
import static dev.onebase.web.RoutedOperations.pathParam;
import static dev.onebase.web.RoutedOperations.response;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem.HttpMethod;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;

import dev.onebase.web.RoutedOperations;
import io.quarkus.smallrye.openapi.OpenApiFilter;

/** The evaluation routes of {@link FlagEvaluationRoutes} live outside JAX-RS: this documents them ({@link RoutedOperations}). */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class FlagOperations implements OASFilter {

    private static final String CONTEXT = """
            {"context":{"targetingKey":"user-42","country":"de","plan":"pro"}}""";
    private static final String EVALUATION = """
            {"key":"new-checkout","value":true,"variant":"on","reason":"TARGETING_MATCH"}""";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        add(openAPI, "/api/v1/flags/evaluate", HttpMethod.POST, evaluate("FlagEvaluationRoutes_evaluateAll",
                "Evaluate every flag", "Evaluates every flag of the tenant against one context. Evaluation only reads:"
                        + " a key with the read scope may call it.", "{\"flags\":[" + EVALUATION + "]}"));
        Operation one = evaluate("FlagEvaluationRoutes_evaluate", "Evaluate one flag",
                "Evaluates one flag against a context: its value, variant and reason (TARGETING_MATCH, SPLIT, DEFAULT,"
                        + " DISABLED, ERROR with an errorCode). Read scope.", EVALUATION, key());
        one.getResponses().addAPIResponse("404", response("no such flag", null));
        add(openAPI, "/api/v1/flags/{key}/evaluate", HttpMethod.POST, one);

        Operation bulk = ofrep("FlagEvaluationRoutes_ofrepBulk", "OFREP: evaluate every flag",
                "The OpenFeature Remote Evaluation Protocol's bulk evaluation: every flag against one context, with an"
                        + " ETag; a request whose If-None-Match still matches answers 304. The key may also come as X-API-Key."
                        + " Read scope.",
                "{\"flags\":[{\"key\":\"new-checkout\",\"value\":true,\"reason\":\"TARGETING_MATCH\",\"variant\":\"on\","
                        + "\"metadata\":{}}]}",
                headerParam("If-None-Match", "the ETag of the answer you hold", "\"5d41402abc4b2a76\""));
        bulk.getResponses().addAPIResponse("304", response("not modified: the flags evaluate as in the ETag you sent", null));
        add(openAPI, FlagEvaluationRoutes.OFREP, HttpMethod.POST, bulk);
        Operation single = ofrep("FlagEvaluationRoutes_ofrep", "OFREP: evaluate one flag",
                "The OpenFeature Remote Evaluation Protocol's evaluation of one flag. The key may also come as X-API-Key."
                        + " Read scope.",
                "{\"key\":\"new-checkout\",\"value\":true,\"reason\":\"TARGETING_MATCH\",\"variant\":\"on\",\"metadata\":{}}",
                key());
        single.getResponses().addAPIResponse("404", response("flagNotFound", json(object("OFREP flagNotFound"),
                "{\"key\":\"no-such-flag\",\"errorCode\":\"FLAG_NOT_FOUND\",\"errorDetails\":\"Flag no-such-flag not found\","
                        + "\"metadata\":{}}")));
        add(openAPI, FlagEvaluationRoutes.OFREP + "/{key}", HttpMethod.POST, single);
    }

    private static Operation evaluate(String id, String summary, String description, String answer, Parameter... params) {
        Operation op = operation(id, summary, description, params).requestBody(context());
        op.getResponses()
                .addAPIResponse("200", response("the evaluation", json(object("onebase's evaluation"), answer)))
                .addAPIResponse("400", response("PARSE_ERROR, INVALID_CONTEXT or TARGETING_KEY_MISSING, or a bad key", null))
                .addAPIResponse("411", response("a chunked body without Content-Length", null))
                .addAPIResponse("413", response("over the JSON body limit", null))
                .addAPIResponse("415", response("the body is not JSON", null));
        return op;
    }

    private static Operation ofrep(String id, String summary, String description, String answer, Parameter... params) {
        Operation op = operation(id, summary, description, params).requestBody(context());
        op.getResponses()
                .addAPIResponse("200", response("evaluationSuccess", json(object("OFREP evaluation"), answer)))
                .addAPIResponse("400", response("evaluationFailure: PARSE_ERROR, INVALID_CONTEXT, TARGETING_KEY_MISSING",
                        json(object("OFREP evaluationFailure"), "{\"key\":\"new-checkout\",\"errorCode\":\"TARGETING_KEY_MISSING\","
                                + "\"errorDetails\":\"The rollout needs a targetingKey\",\"metadata\":{}}")))
                .addAPIResponse("411", response("a chunked body without Content-Length", null))
                .addAPIResponse("413", response("over the JSON body limit", null))
                .addAPIResponse("415", response("the body is not JSON", null));
        return op;
    }

    private static org.eclipse.microprofile.openapi.models.parameters.RequestBody context() {
        return OASFactory.createRequestBody().description("the evaluation context: targetingKey and any attributes")
                .content(json(object("{context: {targetingKey?, ...attributes}}"), CONTEXT));
    }

    private static Parameter key() {
        return pathParam("key", "the flag key", "new-checkout");
    }
}
