package dev.onebase.ratelimit;

import java.util.Map;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.onebase.auth.Caller;
import dev.onebase.web.ProblemException;
import dev.onebase.web.ProblemMapper;
import io.smallrye.mutiny.Uni;

/**
 * The service's own per-tenant request limit (the plan's requests_per_minute, GCRA with a one-minute period) on
 * every authenticated {@code /api/...} call, right after authentication. Over it: 429 with Retry-After. Every
 * answer carries the RateLimit-Policy and RateLimit headers (draft-ietf-httpapi-ratelimit-headers).
 */
public class RequestLimitFilter {

    static final String DECISION = RequestLimitFilter.class.getName() + ".decision";
    static final String POLICY = "\"requests\"";

    private final RequestLimit requestLimit;
    private final Caller caller;
    private final RequestLimitConfig config;

    public RequestLimitFilter(RequestLimit requestLimit, Caller caller, RequestLimitConfig config) {
        this.requestLimit = requestLimit;
        this.caller = caller;
        this.config = config;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION + 10)
    public Uni<Response> limit(ContainerRequestContext ctx) {
        if (!config.enabled() || caller.keyId() == null || !ctx.getUriInfo().getPath().startsWith("/api/")) {
            return Uni.createFrom().nullItem();
        }
        return requestLimit.consume(caller.tenantId(), caller.plan()).map(d -> {
            ctx.setProperty(DECISION, d);
            if (d.allowed()) {
                return null;
            }
            ProblemException tooMany = RequestLimit.tooMany(d);
            return ProblemMapper.respond(429, tooMany.title(), tooMany.getMessage(), ctx.getUriInfo().getPath(), tooMany.headers());
        });
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext req, ContainerResponseContext res) {
        if (req.getProperty(DECISION) instanceof RateLimiter.Decision d && !res.getHeaders().containsKey("RateLimit")) {
            headers(d).forEach(res.getHeaders()::putSingle);
        }
    }

    /** The RateLimit-Policy and RateLimit headers of an answer. */
    public static Map<String, String> headers(RateLimiter.Decision d) {
        return Map.of("RateLimit-Policy", policy(d), "RateLimit", state(d));
    }

    static String policy(RateLimiter.Decision d) {
        return POLICY + ";q=" + d.limit() + ";w=60";
    }

    static String state(RateLimiter.Decision d) {
        return POLICY + ";r=" + d.remaining() + ";t=" + (d.resetMs() + 999) / 1000;
    }
}
