package dev.onebase.flag;

import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.auth.Caller;
import dev.onebase.flag.FlagStore.Actor;
import dev.onebase.flag.FlagStore.Change;
import dev.onebase.web.ListParams;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Feature flags: definitions and their history. Evaluation, which only reads, is in {@link FlagEvaluationRoutes} so that
 * a read-scoped key may evaluate.
 */
@Path("/api/v1/flags")
@Produces(MediaType.APPLICATION_JSON)
public class FlagResource {

    private final FlagStore store;
    private final Caller caller;

    public FlagResource(FlagStore store, Caller caller) {
        this.store = store;
        this.caller = caller;
    }

    @GET
    @Operation(summary = "List flags", description = "Every flag of your tenant. Read scope.")
    public Uni<List<Flag>> list() {
        return store.list(caller.tenantId());
    }

    @GET
    @Path("{key}")
    @Operation(summary = "Get a flag", description = "One flag: variants, rules, rollout. Read scope.")
    public Uni<Flag> get(@PathParam("key") String key) {
        FlagValidator.checkKey(key);
        return store.get(caller.tenantId(), key).map(f -> f.orElseThrow(() -> FlagEvaluation.missing(key)));
    }

    /** Creates (201) or replaces (200) the flag. */
    @PUT
    @Path("{key}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or replace a flag", description = "Stores the flag under the key (the body's key, when given, must match); the change is kept in its history. Write scope.")
    @APIResponse(responseCode = "201", description = "created", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Flag.class)))
    @APIResponse(responseCode = "200", description = "replaced", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Flag.class)))
    @APIResponse(responseCode = "422", description = "the flag breaks a rule: unknown variant, bad rollout weights, bad operator")
    public Uni<Response> put(@PathParam("key") String key, Flag body) {
        Flag flag = FlagValidator.validate(key, body);
        return store.put(caller.tenantId(), flag, Actor.apiKey(caller.keyId()))
                .map(created -> Response.status(created ? 201 : 200).entity(flag).build());
    }

    @DELETE
    @Path("{key}")
    @Operation(summary = "Delete a flag", description = "Deletes the flag; the deletion is kept in its history. Write scope.")
    @APIResponse(responseCode = "204", description = "deleted")
    public Uni<Response> delete(@PathParam("key") String key) {
        FlagValidator.checkKey(key);
        return store.delete(caller.tenantId(), key, Actor.apiKey(caller.keyId())).map(done -> deleted(done, key));
    }

    /** The flag's changes, newest first; {@code before} pages back from a change id. */
    @GET
    @Path("{key}/history")
    @Operation(summary = "A flag's history", description = "Every change of the flag, newest first: who, when, before and after; page with before. Read scope.")
    public Uni<List<Change>> history(@PathParam("key") String key, @QueryParam("before") String before,
            @QueryParam("limit") @DefaultValue("100") String limit) {
        return history(store, caller.tenantId(), key, before, limit);
    }

    static Uni<List<Change>> history(FlagStore store, UUID tenant, String key, String before, String limit) {
        FlagValidator.checkKey(key);
        return store.history(tenant, key, ListParams.idCursor("before", before, "a change id"), ListParams.limit(limit, 1000));
    }

    static Response deleted(boolean done, String key) {
        if (!done) {
            throw FlagEvaluation.missing(key);
        }
        return Response.noContent().build();
    }
}
