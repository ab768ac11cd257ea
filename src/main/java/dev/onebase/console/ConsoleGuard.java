package dev.onebase.console;

import java.net.URI;
import java.util.Optional;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.WithFormRead;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;

import dev.onebase.console.ConsoleSessions.Operator;
import dev.onebase.web.ProblemMapper;
import io.smallrye.mutiny.Uni;

/**
 * The door of every console page and action: a page needs a live session (else the sign-in page), a change (any
 * method but GET/HEAD) needs the session and its CSRF token, from the form field {@code csrf} or the header
 * {@code X-CSRF-Token} (else 403). The filter runs after the form is read, so it checks every change in one place
 * rather than in each action. Every console answer gets the strict security headers.
 */
public class ConsoleGuard {

    public static final String CSRF_HEADER = "X-CSRF-Token";
    public static final String CSRF_FIELD = "csrf";

    /** No inline script or style anywhere: scripts, styles and images come from the service itself. */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final ConsoleSessions sessions;
    private final ConsoleRequest request;

    public ConsoleGuard(ConsoleSessions sessions, ConsoleRequest request) {
        this.sessions = sessions;
        this.request = request;
    }

    @WithFormRead
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> guard(ResteasyReactiveContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!isConsole(path)) {
            return Uni.createFrom().nullItem();
        }
        boolean change = !"GET".equals(ctx.getMethod()) && !"HEAD".equals(ctx.getMethod());
        if (change && !sameOrigin(ctx.getHeaderString("Origin"), ctx.getHeaderString("Host"))) {
            return Uni.createFrom().item(refuse(path, "The request comes from another site"));
        }
        if (path.equals("/console/login")) {
            return Uni.createFrom().nullItem();
        }
        Cookie cookie = ctx.getCookies().get(ConsoleSessions.COOKIE);
        return sessions.find(cookie == null ? null : cookie.getValue()).map(found -> {
            if (found.isEmpty()) {
                return change ? refuse(path, "Sign in to the console first")
                        : Response.seeOther(URI.create("/console/login")).build();
            }
            Operator operator = found.get();
            if (change && !ConsoleSessions.csrfMatches(operator, presentedCsrf(ctx))) {
                return refuse(path, "The CSRF token is missing or wrong; reload the page and try again");
            }
            if (!operator.operator()) {
                String refused = tenantRefusal(operator.tenant(), path, ctx.getMethod(),
                        ctx.getUriInfo().getQueryParameters().getFirst(TENANT), formField(ctx, TENANT));
                if (refused != null) {
                    return refuse(path, refused);
                }
            }
            request.signedIn(operator);
            return null;
        });
    }

    static final String TENANT = "tenant";
    private static final java.util.regex.Pattern OWN_TENANT_PAGE = java.util.regex.Pattern.compile(
            "/console/tenants/([^/]+)(/keys(/[^/]+/revoke)?)?");
    private static final java.util.List<String> TENANT_PAGES = java.util.List.of("/console/cache", "/console/sessions",
            "/console/flags", "/console/files");

    /**
     * What a tenant's own view may reach: its tenant page (usage, keys: create and revoke), and the cache, sessions,
     * flags and files pages of its own tenant, plus signing out. Operator pages (dashboard, tenant list and lifecycle,
     * jobs, backups) and any other tenant's data answer 403. Returns why it is refused, or null when allowed.
     */
    static String tenantRefusal(java.util.UUID own, String path, String method, String queryTenant, String formTenant) {
        if (path.equals("/console") || path.equals("/console/logout")) {
            return null;
        }
        java.util.regex.Matcher m = OWN_TENANT_PAGE.matcher(path);
        if (m.matches()) {
            if (!m.group(1).equals(own.toString())) {
                return "This console session belongs to another tenant";
            }
            boolean read = "GET".equals(method) || "HEAD".equals(method);
            return read == (m.group(2) == null) ? null : "Only an operator may do that";
        }
        boolean tenantPage = TENANT_PAGES.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + "/"));
        if (!tenantPage) {
            return "Only an operator may open this page";
        }
        for (String named : new String[] {queryTenant, formTenant}) {
            if (named != null && !named.isBlank() && !named.equals(own.toString())) {
                return "This console session belongs to another tenant";
            }
        }
        return null;
    }

    private static String formField(ResteasyReactiveContainerRequestContext ctx, String name) {
        ResteasyReactiveRequestContext rr = (ResteasyReactiveRequestContext) ctx.getServerRequestContext();
        Object field = rr.getFormParameter(name, true, false);
        return field == null ? null : field.toString();
    }

    @ServerResponseFilter
    public void headers(ResteasyReactiveContainerRequestContext req, ContainerResponseContext resp) {
        if (isConsole(req.getUriInfo().getPath())) {
            securityHeaders(resp.getHeaders());
        }
    }

    static void securityHeaders(MultivaluedMap<String, Object> headers) {
        headers.putSingle("Content-Security-Policy", CSP);
        headers.putSingle("X-Content-Type-Options", "nosniff");
        headers.putSingle("X-Frame-Options", "DENY");
        headers.putSingle("Referrer-Policy", "same-origin");
        headers.putSingle("Cache-Control", "no-store");
    }

    static boolean isConsole(String path) {
        return path.equals("/console") || path.startsWith("/console/");
    }

    /**
     * Browsers send Origin on every POST; when they do, its host and port must be the ones the request was sent to
     * (the scheme may differ behind a proxy that ends TLS).
     */
    static boolean sameOrigin(String origin, String host) {
        if (origin == null) {
            return true;
        }
        try {
            String authority = URI.create(origin).getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String presentedCsrf(ResteasyReactiveContainerRequestContext ctx) {
        String header = ctx.getHeaderString(CSRF_HEADER);
        if (header != null) {
            return header;
        }
        ResteasyReactiveRequestContext rr = (ResteasyReactiveRequestContext) ctx.getServerRequestContext();
        Object field = rr.getFormParameter(CSRF_FIELD, true, false);
        return Optional.ofNullable(field).map(Object::toString).orElse(null);
    }

    private static Response refuse(String path, String detail) {
        return ProblemMapper.respond(403, "Forbidden", detail, path, java.util.Map.of());
    }
}
