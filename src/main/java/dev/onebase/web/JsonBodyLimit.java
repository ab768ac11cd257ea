package dev.onebase.web;

import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.quarkus.runtime.configuration.MemorySize;

/**
 * JSON bodies are read whole into memory, so they get a small limit of their own (files stream and have theirs):
 * a declared Content-Length over it is refused before a byte is read, and a JSON body must declare its length
 * (a chunked one could otherwise grow up to the server-wide limit that streaming uploads need).
 */
public class JsonBodyLimit {

    private final long limit;

    public JsonBodyLimit(@ConfigProperty(name = "onebase.http.max-json-body", defaultValue = "64K") MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    @ServerRequestFilter(preMatching = true, priority = 20)
    public Response check(ContainerRequestContext ctx) {
        MediaType type = ctx.getMediaType();
        if (type == null || !type.getSubtype().endsWith("json")) {
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
}
