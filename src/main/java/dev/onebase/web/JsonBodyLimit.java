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
 * a declared Content-Length over it is refused before a byte is read.
 */
public class JsonBodyLimit {

    private final long limit;

    public JsonBodyLimit(@ConfigProperty(name = "onebase.http.max-json-body", defaultValue = "64K") MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    @ServerRequestFilter(preMatching = true, priority = 20)
    public Response check(ContainerRequestContext ctx) {
        MediaType type = ctx.getMediaType();
        if (type == null || !type.getSubtype().endsWith("json") || ctx.getLength() <= limit) {
            return null;
        }
        return ProblemMapper.respond(413, "Content Too Large", "JSON bodies are limited to " + limit + " bytes",
                ctx.getUriInfo().getPath(), Map.of());
    }
}
