package dev.onebase.console;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.console.Pages.Picker;
import dev.onebase.session.SessionStore;
import dev.onebase.session.SessionStore.Session;
import io.quarkus.qute.TemplateInstance;

/** A user's sessions in a tenant's application, and revoking one or all of them. */
@Path("/console/sessions")
@Produces(MediaType.TEXT_HTML)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
public class SessionPages {

    private final Console console;
    private final SessionStore sessions;

    public SessionPages(Console console, SessionStore sessions) {
        this.console = console;
        this.sessions = sessions;
    }

    @GET
    public TemplateInstance page(@QueryParam("tenant") String tenant, @QueryParam("user") String user,
            @QueryParam("notice") String notice, @QueryParam("error") String error) {
        Picker p = console.picker(tenant);
        String u = user == null ? "" : user.trim();
        List<Session> found = p.selected() == null || u.isEmpty() ? List.of() : Console.await(sessions.list(p.selected().id(), u, 200));
        return Pages.sessions(console.chrome("sessions", "Sessions", notice, error), p, u, found);
    }

    @POST
    @Path("/revoke")
    public Response revoke(@FormParam("tenant") String tenant, @FormParam("user") String user, @FormParam("handle") String handle) {
        return Console.change(back(tenant, user), () -> Console.await(sessions.destroyByHandle(Console.tenantId(tenant), handle == null ? "" : handle))
                ? "Session revoked" : "That session had already ended");
    }

    @POST
    @Path("/revoke-all")
    public Response revokeAll(@FormParam("tenant") String tenant, @FormParam("user") String user) {
        return Console.change(back(tenant, user), () -> "Revoked " + Console.await(sessions.revokeAll(Console.tenantId(tenant), user)) + " session(s)");
    }

    private static String back(String tenant, String user) {
        return "/console/sessions?tenant=" + Console.encode(tenant) + "&user=" + Console.encode(user);
    }
}
