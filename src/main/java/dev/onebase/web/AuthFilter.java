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
import dev.onebase.tenant.TenantService;
import io.smallrye.mutiny.Uni;

/**
 * Bearer authentication: an API key for {@code /api/...} (checked in the database on every request, so a revoked
 * key or a suspended tenant stops at once), the admin credential from the environment for {@code /admin/...}.
 */
public class AuthFilter {

    private static final String BEARER = "Bearer ";

    private final TenantService tenants;
    private final Caller caller;
    private final Optional<String> adminToken;

    public AuthFilter(TenantService tenants, Caller caller, @ConfigProperty(name = "onebase.admin.token") Optional<String> adminToken) {
        this.tenants = tenants;
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
        String header = ctx.getHeaderString("Authorization");
        if (header == null || !header.startsWith(BEARER)) {
            return reject(ProblemException.unauthorized("Send an API key as 'Authorization: Bearer <key>'"), path);
        }
        Optional<ApiKeys.Presented> key = ApiKeys.parse(header.substring(BEARER.length()).trim());
        if (key.isEmpty()) {
            return reject(ProblemException.unauthorized("The API key is malformed"), path);
        }
        String needed = scopeFor(ctx.getMethod(), path);
        return tenants.authenticate(key.get()).onItem().transform(found -> {
            if (found.isEmpty()) {
                return problem(ProblemException.unauthorized("The API key is unknown, revoked, or its tenant was deleted"), path);
            }
            var p = found.get();
            if ("suspended".equals(p.status())) {
                return problem(ProblemException.forbidden("The tenant is suspended"), path);
            }
            if (!p.scopes().contains(needed)) {
                return problem(ProblemException.forbidden("The API key lacks the '" + needed + "' scope"), path);
            }
            caller.authenticate(key.get().tenantId(), p.keyId(), p.scopes(), p.plan());
            return null;
        });
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

    private static Uni<Response> reject(ProblemException e, String path) {
        return Uni.createFrom().item(problem(e, path));
    }

    private static Response problem(ProblemException e, String path) {
        return ProblemMapper.respond(e.status(), e.title(), e.getMessage(), path, e.headers());
    }

}
