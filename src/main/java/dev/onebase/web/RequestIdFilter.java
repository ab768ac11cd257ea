package dev.onebase.web;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;

import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/** Gives every request an id (the ingress's X-Request-Id when it is sane) for the logs and the response. */
public class RequestIdFilter {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    /** The log field of the authenticated tenant, set by authentication and cleared here for each new request. */
    public static final String MDC_TENANT = "tenantId";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @ServerRequestFilter(preMatching = true, priority = 10)
    public void assign(ContainerRequestContext ctx) {
        String id = idFor(ctx.getHeaderString(HEADER));
        ctx.setProperty(MDC_KEY, id);
        MDC.put(MDC_KEY, id);
        MDC.remove(MDC_TENANT);
    }

    /** The ingress's id when it is sane, else a new random one (a log correlation id, not a secret). */
    public static String idFor(String incoming) {
        if (incoming != null && SANE.matcher(incoming).matches()) {
            return incoming;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID((random.nextLong() & ~0xF000L) | 0x4000L, (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext req, ContainerResponseContext res) {
        Object id = req.getProperty(MDC_KEY);
        if (id != null) {
            res.getHeaders().putSingle(HEADER, id);
        }
    }
}
