package dev.onebase.console;

import java.net.URI;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/** Signing in with the admin credential (an operator) or a manage-scoped API key (a tenant's own view), and out. */
@Path("/console")
@Produces(MediaType.TEXT_HTML)
public class SignInResource {

    private final ConsoleSessions sessions;
    private final ConsoleRequest request;

    public SignInResource(ConsoleSessions sessions, ConsoleRequest request) {
        this.sessions = sessions;
        this.request = request;
    }

    /** An operator's home is the dashboard; a tenant's, its own tenant page. */
    @GET
    public Response home() {
        return Response.seeOther(URI.create(homeOf(request.tenant()))).build();
    }

    static String homeOf(java.util.UUID tenant) {
        return tenant == null ? "/console/dashboard" : "/console/tenants/" + tenant;
    }

    @GET
    @Path("/login")
    public Object loginPage() {
        return Pages.login(null);
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> login(@FormParam("token") String token, @Context UriInfo uri) {
        return Uni.createFrom().deferred(() -> sessions.signIn(token))
                .map(opened -> Response.seeOther(URI.create(homeOf(opened.operator().tenant())))
                        .cookie(cookie(opened.token(), (int) sessions.lifetime().toSeconds(), uri)).build())
                .onFailure(ProblemException.class).recoverWithItem(e -> Response.status(401)
                        .entity(Pages.login(e.getMessage())).type(MediaType.TEXT_HTML).build());
    }

    @POST
    @Path("/logout")
    public Uni<Response> logout(@CookieParam(ConsoleSessions.COOKIE) String token, @Context UriInfo uri) {
        return sessions.signOut(token).map(ignored -> Response.seeOther(URI.create("/console/login?signedOut=true"))
                .cookie(cookie("", 0, uri)).build());
    }

    /** HttpOnly, SameSite=Strict, scoped to the console; Secure whenever the console is reached over HTTPS. */
    static NewCookie cookie(String value, int maxAge, UriInfo uri) {
        return new NewCookie.Builder(ConsoleSessions.COOKIE).value(value).path("/console").maxAge(maxAge).httpOnly(true)
                .secure("https".equalsIgnoreCase(uri.getBaseUri().getScheme())).sameSite(NewCookie.SameSite.STRICT).build();
    }
}
