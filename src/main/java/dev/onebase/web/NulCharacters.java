package dev.onebase.web;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * PostgreSQL text cannot hold U+0000, so a path or query parameter carrying one could only fail deeper down: refused
 * here, before routing. A NUL inside a JSON body reaches the database and is refused there ({@link ProblemMapper}
 * maps the invalid-text errors to the same 400).
 */
public class NulCharacters {

    @ServerRequestFilter(preMatching = true, priority = 15)
    public Response check(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (path.indexOf('\0') >= 0 || hasNul(ctx.getUriInfo().getQueryParameters())) {
            return ProblemMapper.respond(400, "Bad Request", ProblemMapper.NUL_DETAIL, path.replace('\0', '?'), Map.of());
        }
        return null;
    }

    private static boolean hasNul(MultivaluedMap<String, String> params) {
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (p.getKey().indexOf('\0') >= 0) {
                return true;
            }
            for (String v : p.getValue()) {
                if (v != null && v.indexOf('\0') >= 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
