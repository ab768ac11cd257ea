package dev.onebase.auth;


import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.onebase.web.ProblemException;
import dev.onebase.web.ProblemMapper;
import io.smallrye.mutiny.Uni;

/**
 * Bearer authentication: an API key for {@code /api/...} (through {@link ApiKeyAuthenticator}: a revoked key or a
 * suspended tenant stops at once on every replica), the admin credential from the environment for {@code /admin/...}.
 */
public class AuthFilter {

    private final ApiKeyAuthenticator authenticator;
    private final Caller caller;
    private final AdminToken adminToken;

    public AuthFilter(ApiKeyAuthenticator authenticator, Caller caller, AdminToken adminToken) {
        this.authenticator = authenticator;
        this.caller = caller;
        this.adminToken = adminToken;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (path.startsWith("/admin")) {
            return Uni.createFrom().item(checkAdmin(ctx, path));
        }
        if (!path.startsWith("/api/") || path.equals("/api/v1/signup")) {
            return Uni.createFrom().nullItem();
        }
        return authenticator.authenticate(ctx.getHeaderString("Authorization"), scopeFor(ctx.getMethod(), path))
                .map(ok -> {
                    caller.authenticate(ok.key().tenantId(), ok.principal().keyId(), ok.principal().scopes(), ok.principal().plan());
                    return (Response) null;
                })
                .onFailure(ProblemException.class).recoverWithItem(e -> problem((ProblemException) e, path));
    }

    /** read for GET/HEAD; manage for changes to the tenant itself and its keys; write for every other change. */
    static String scopeFor(String method, String path) {
        boolean reading = "GET".equals(method) || "HEAD".equals(method);
        if (reading) {
            return ApiKeys.SCOPE_READ;
        }
        boolean tenantAdmin = path.startsWith("/api/v1/tenant") || path.startsWith("/api/v1/keys");
        return tenantAdmin ? ApiKeys.SCOPE_MANAGE : ApiKeys.SCOPE_WRITE;
    }

    private Response checkAdmin(ContainerRequestContext ctx, String path) {
        try {
            adminToken.check(ctx.getHeaderString("Authorization"));
            return null;
        } catch (ProblemException e) {
            return problem(e, path);
        }
    }

    private static Response problem(ProblemException e, String path) {
        return ProblemMapper.respond(e.status(), e.title(), e.getMessage(), path, e.headers());
    }

}
