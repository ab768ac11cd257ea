package dev.onebase.flag;

import java.util.List;

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

import dev.onebase.flag.FlagStore.Actor;
import dev.onebase.flag.FlagStore.Change;
import dev.onebase.web.Ids;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The operator's view of a tenant's flags (admin credential): read, change (recorded as 'admin'), and the history. */
@Path("/admin/tenants/{id}/flags")
@Produces(MediaType.APPLICATION_JSON)
public class AdminFlagResource {

    private final FlagStore store;

    public AdminFlagResource(FlagStore store) {
        this.store = store;
    }

    @GET
    @Operation(summary = "List a tenant's flags", description = "Every flag of the tenant.")
    public Uni<List<Flag>> list(@PathParam("id") String id) {
        return store.list(Ids.parse(id));
    }

    @PUT
    @Path("{key}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or replace a tenant's flag", description = "Stores the flag for the tenant; the change is kept in its history, by the admin.")
    @APIResponse(responseCode = "201", description = "created", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Flag.class)))
    @APIResponse(responseCode = "200", description = "replaced", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Flag.class)))
    @APIResponse(responseCode = "422", description = "the flag breaks a rule")
    public Uni<Response> put(@PathParam("id") String id, @PathParam("key") String key, Flag body) {
        Flag flag = FlagValidator.validate(key, body);
        return store.put(Ids.parse(id), flag, Actor.admin()).map(created -> Response.status(created ? 201 : 200).entity(flag).build());
    }

    @DELETE
    @Path("{key}")
    @Operation(summary = "Delete a tenant's flag", description = "Deletes the flag; the deletion is kept in its history.")
    @APIResponse(responseCode = "204", description = "deleted")
    public Uni<Response> delete(@PathParam("id") String id, @PathParam("key") String key) {
        FlagValidator.checkKey(key);
        return store.delete(Ids.parse(id), key, Actor.admin()).map(done -> FlagResource.deleted(done, key));
    }

    @GET
    @Path("{key}/history")
    @Operation(summary = "A tenant's flag history", description = "Every change of the flag, newest first.")
    public Uni<List<Change>> history(@PathParam("id") String id, @PathParam("key") String key, @QueryParam("before") String before,
            @QueryParam("limit") @DefaultValue("100") String limit) {
        return FlagResource.history(store, Ids.parse(id), key, before, limit);
    }
}
