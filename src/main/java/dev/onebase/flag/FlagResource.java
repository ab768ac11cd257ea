package dev.onebase.flag;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.onebase.auth.Caller;
import dev.onebase.flag.FlagEvaluator.Evaluation;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/** Feature flags: CRUD and evaluation against a context ({"context": {"targetingKey": "...", ...}}). */
@Path("/api/v1/flags")
@Produces(MediaType.APPLICATION_JSON)
public class FlagResource {

    public record EvaluationRequest(JsonNode context) {
    }

    public record Evaluations(List<Evaluation> flags) {
    }

    private final FlagStore store;
    private final Caller caller;

    public FlagResource(FlagStore store, Caller caller) {
        this.store = store;
        this.caller = caller;
    }

    @GET
    public Uni<List<Flag>> list() {
        return store.list(caller.tenantId());
    }

    @GET
    @Path("{key}")
    public Uni<Flag> get(@PathParam("key") String key) {
        FlagValidator.checkKey(key);
        return store.get(caller.tenantId(), key).map(f -> f.orElseThrow(() -> missing(key)));
    }

    /** Creates (201) or replaces (200) the flag. */
    @PUT
    @Path("{key}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("key") String key, Flag body) {
        Flag flag = FlagValidator.validate(key, body);
        return store.put(caller.tenantId(), flag).map(created -> Response.status(created ? 201 : 200).entity(flag).build());
    }

    @DELETE
    @Path("{key}")
    public Uni<Response> delete(@PathParam("key") String key) {
        FlagValidator.checkKey(key);
        return store.delete(caller.tenantId(), key).map(done -> {
            if (!done) {
                throw missing(key);
            }
            return Response.noContent().build();
        });
    }

    @POST
    @Path("{key}/evaluate")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Evaluation> evaluate(@PathParam("key") String key, EvaluationRequest body) {
        FlagValidator.checkKey(key);
        Map<String, JsonNode> context = context(body);
        return store.get(caller.tenantId(), key).map(f -> FlagEvaluator.evaluate(f.orElseThrow(() -> missing(key)), context));
    }

    /** Every flag of the tenant evaluated against one context. */
    @POST
    @Path("evaluate")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Evaluations> evaluateAll(EvaluationRequest body) {
        Map<String, JsonNode> context = context(body);
        return store.list(caller.tenantId()).map(flags -> new Evaluations(flags.stream().map(f -> FlagEvaluator.evaluate(f, context)).toList()));
    }

    private static Map<String, JsonNode> context(EvaluationRequest body) {
        if (body == null || body.context() == null || body.context().isNull()) {
            return Map.of();
        }
        if (!body.context().isObject()) {
            throw ProblemException.badRequest("context must be a JSON object");
        }
        JsonFaults.find("context", body.context()).ifPresent(fault -> {
            throw ProblemException.badRequest(fault);
        });
        Map<String, JsonNode> context = new java.util.HashMap<>();
        body.context().fields().forEachRemaining(e -> context.put(e.getKey(), e.getValue()));
        return context;
    }

    private static ProblemException missing(String key) {
        return ProblemException.notFound("FLAG_NOT_FOUND: no flag '" + key + "'");
    }
}
