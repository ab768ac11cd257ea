package dev.onebase.web;

import java.util.Locale;
import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.quarkus.runtime.configuration.MemorySize;

/**
 * JSON bodies are read whole into memory, so they get a small limit of their own (files stream and have theirs):
 * a declared Content-Length over it is refused before a byte is read, and a JSON body must declare its length
 * (a chunked one could otherwise grow up to the server-wide limit that streaming uploads need). The limit holds for
 * every body a resource reads as JSON, whatever the client calls its type (none, {@code APPLICATION/JSON}); only a
 * resource that takes raw bytes (the cache's values, limited by the plan) is left to its own limit.
 */
public class JsonBodyLimit {

    private final long limit;

    public JsonBodyLimit(@ConfigProperty(name = "onebase.http.max-json-body", defaultValue = "64K") MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    /** Before routing: a Content-Type that does not parse would fail the routing itself. */
    @ServerRequestFilter(preMatching = true, priority = 20)
    public Response parsable(ContainerRequestContext ctx) {
        String header = ctx.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if (header == null || parse(header) != null) {
            return null;
        }
        return ProblemMapper.respond(400, "Bad Request", "The Content-Type header is not a media type", ctx.getUriInfo().getPath(), Map.of());
    }

    /** After routing, before the body is read. */
    @ServerRequestFilter(priority = 20)
    public Response check(ContainerRequestContext ctx, SimpleResourceInfo resource) {
        String header = ctx.getHeaderString(HttpHeaders.CONTENT_TYPE);
        MediaType type = header == null ? null : parse(header);
        boolean json = type != null && type.getSubtype().toLowerCase(Locale.ROOT).endsWith("json");
        if (!json && takesRawBytes(resource)) {
            return null;
        }
        if (ctx.getLength() < 0 && ctx.getHeaderString("Transfer-Encoding") != null) {
            return ProblemMapper.respond(411, "Length Required", "JSON bodies must be sent with a Content-Length",
                    ctx.getUriInfo().getPath(), Map.of());
        }
        if (ctx.getLength() <= limit) {
            return null;
        }
        return ProblemMapper.respond(413, "Content Too Large", "JSON bodies are limited to " + limit + " bytes",
                ctx.getUriInfo().getPath(), Map.of());
    }

    private static boolean takesRawBytes(SimpleResourceInfo resource) {
        if (resource == null || resource.parameterTypes() == null) {
            return false;
        }
        for (Class<?> p : resource.parameterTypes()) {
            if (p == byte[].class || p == java.io.InputStream.class) { // a stream: the resource reads and limits it
                return true;
            }
        }
        return false;
    }

    private static MediaType parse(String header) {
        try {
            MediaType type = MediaType.valueOf(header);
            return type.getType().isBlank() || type.getSubtype().isBlank() || type.getType().contains(" ") || type.getSubtype().contains(" ")
                    ? null : type;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
