package dev.onebase.console;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.cache.CacheStore;
import dev.onebase.cache.CacheStore.Expiry;
import dev.onebase.console.Pages.CacheKey;
import dev.onebase.console.Pages.Picker;
import dev.onebase.web.ProblemException;
import io.quarkus.qute.TemplateInstance;

/** A tenant's cache: keys by prefix, one key's value and TTL, edited in place. */
@Path("/console/cache")
@Produces(MediaType.TEXT_HTML)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
public class CachePages {

    private static final int PAGE = 100;

    private final Console console;
    private final CacheStore cache;

    public CachePages(Console console, CacheStore cache) {
        this.console = console;
        this.cache = cache;
    }

    @GET
    public TemplateInstance page(@QueryParam("tenant") String tenant, @QueryParam("prefix") String prefix,
            @QueryParam("after") String after, @QueryParam("key") String key,
            @QueryParam("notice") String notice, @QueryParam("error") String error) {
        Picker p = console.picker(tenant);
        String pre = prefix == null ? "" : prefix;
        List<String> keys = List.of();
        String next = null;
        CacheKey entry = null;
        if (p.selected() != null) {
            UUID id = p.selected().id();
            CacheStore.ScanPage page = Console.await(cache.scan(id, pre, after == null || after.isEmpty() ? null : after, PAGE));
            keys = page.keys();
            next = page.nextAfter();
            if (key != null && !key.isEmpty()) {
                entry = Console.await(cache.get(id, key)).map(v -> {
                    Long pttl = Console.await(cache.pttl(id, key));
                    String text = text(v.bytes());
                    return new CacheKey(key, text == null ? "(" + v.bytes().length + " bytes of binary data)" : text,
                            pttl == null || pttl < 0 ? null : pttl, text != null);
                }).orElse(null);
                if (entry == null) {
                    error = "No key " + key;
                }
            }
        }
        return Pages.cache(console.chrome("cache", "Cache", notice, error), p, pre, keys, next, entry);
    }

    /** Sets the value (as text) and its TTL in seconds; an empty TTL keeps no expiry. */
    @POST
    public Response set(@FormParam("tenant") String tenant, @FormParam("key") String key, @FormParam("value") String value,
            @FormParam("ttl") String ttl) {
        String back = "/console/cache?tenant=" + Console.encode(tenant) + "&key=" + Console.encode(key);
        return Console.change(back, () -> {
            if (key == null || key.isEmpty()) {
                throw ProblemException.unprocessable("key is required");
            }
            Expiry expiry = ttl == null || ttl.isBlank() ? Expiry.NONE : new Expiry(seconds(ttl) * 1000, null, false);
            Console.await(cache.set(Console.tenantId(tenant), key, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8),
                    "text/plain; charset=utf-8", expiry, CacheStore.Condition.ALWAYS, false));
            return "Saved " + key;
        });
    }

    @POST
    @Path("/delete")
    public Response delete(@FormParam("tenant") String tenant, @FormParam("key") String key) {
        return Console.change("/console/cache?tenant=" + Console.encode(tenant), () ->
                "Deleted " + Console.await(cache.delete(Console.tenantId(tenant), List.of(key == null ? "" : key))) + " key(s)");
    }

    private static long seconds(String ttl) {
        try {
            long s = Long.parseLong(ttl.trim());
            if (s <= 0) {
                throw ProblemException.unprocessable("ttl must be a positive number of seconds");
            }
            return s;
        } catch (NumberFormatException e) {
            throw ProblemException.unprocessable("ttl must be a whole number of seconds");
        }
    }

    private static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
