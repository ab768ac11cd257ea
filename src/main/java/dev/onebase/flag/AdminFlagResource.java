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

/** The operator's view of a tenant's flags (admin credential): read, change (recorded as 'admin'), and the history. */
@Path("/admin/tenants/{id}/flags")
@Produces(MediaType.APPLICATION_JSON)
public class AdminFlagResource {

    private final FlagStore store;

    public AdminFlagResource(FlagStore store) {
        this.store = store;
    }

    @GET
    public Uni<List<Flag>> list(@PathParam("id") String id) {
        return store.list(Ids.parse(id));
    }

    @PUT
    @Path("{key}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("id") String id, @PathParam("key") String key, Flag body) {
        Flag flag = FlagValidator.validate(key, body);
        return store.put(Ids.parse(id), flag, Actor.admin()).map(created -> Response.status(created ? 201 : 200).entity(flag).build());
    }

    @DELETE
    @Path("{key}")
    public Uni<Response> delete(@PathParam("id") String id, @PathParam("key") String key) {
        FlagValidator.checkKey(key);
        return store.delete(Ids.parse(id), key, Actor.admin()).map(done -> FlagResource.deleted(done, key));
    }

    @GET
    @Path("{key}/history")
    public Uni<List<Change>> history(@PathParam("id") String id, @PathParam("key") String key, @QueryParam("before") String before,
            @QueryParam("limit") @DefaultValue("100") String limit) {
        return FlagResource.history(store, Ids.parse(id), key, before, limit);
    }
}
