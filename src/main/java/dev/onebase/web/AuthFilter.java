package dev.onebase.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.onebase.tenant.ApiKeys;
import io.smallrye.mutiny.Uni;

/**
 * Bearer authentication: an API key for {@code /api/...} (through {@link ApiKeyAuthenticator}: a revoked key or a
 * suspended tenant stops at once on every replica), the admin credential from the environment for {@code /admin/...}.
 */
public class AuthFilter {

    private static final String BEARER = "Bearer ";

    private final ApiKeyAuthenticator authenticator;
    private final Caller caller;
    private final Optional<String> adminToken;

    public AuthFilter(ApiKeyAuthenticator authenticator, Caller caller,
            @ConfigProperty(name = "onebase.admin.token") Optional<String> adminToken) {
        this.authenticator = authenticator;
        this.caller = caller;
        this.adminToken = adminToken.filter(t -> !t.isBlank());
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
        if (adminToken.isEmpty()) {
            return problem(ProblemException.unauthorized("The admin API is disabled: set ONEBASE_ADMIN_TOKEN"), path);
        }
        String header = ctx.getHeaderString("Authorization");
        String presented = header != null && header.startsWith(BEARER) ? header.substring(BEARER.length()).trim() : "";
        boolean ok = MessageDigest.isEqual(ApiKeys.sha256(presented.getBytes(StandardCharsets.UTF_8)),
                ApiKeys.sha256(adminToken.get().getBytes(StandardCharsets.UTF_8)));
        return ok ? null : problem(ProblemException.unauthorized("The admin credential is missing or wrong"), path);
    }

    private static Response problem(ProblemException e, String path) {
        return ProblemMapper.respond(e.status(), e.title(), e.getMessage(), path, e.headers());
    }

}
