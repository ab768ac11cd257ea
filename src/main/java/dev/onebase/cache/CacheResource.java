package dev.onebase.cache;

import java.util.ArrayList;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import dev.onebase.auth.Caller;
import dev.onebase.cache.CacheRecords.Applied;
import dev.onebase.cache.CacheRecords.Count;
import dev.onebase.cache.CacheRecords.Counter;
import dev.onebase.cache.CacheRecords.Found;
import dev.onebase.cache.CacheRecords.Items;
import dev.onebase.cache.CacheRecords.Keys;
import dev.onebase.cache.CacheRecords.Page;
import dev.onebase.cache.CacheRecords.Ttl;
import dev.onebase.cache.CacheRecords.Values;
import dev.onebase.cache.CacheStore.Condition;
import dev.onebase.cache.CacheStore.Expiry;
import dev.onebase.tenant.PlanCatalog;
import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The cache over HTTP. One key: {@code /api/v1/cache/{key}} (the key is one URL-encoded path segment). Batch
 * operations live under {@code /api/v1/cache/_batch/...}; SCAN and FLUSH are the collection's GET and DELETE.
 */
@Path("/api/v1/cache")
public class CacheResource {

    private static final String OCTETS = MediaType.APPLICATION_OCTET_STREAM;
    /** On SET with get=true: whether the value was written (NX/XX may have stopped it). */
    static final String WRITTEN = "Cache-Written";

    private final CacheStore store;
    private final PlanCatalog plans;
    private final Caller caller;
    private final CacheConfig config;

    public CacheResource(CacheStore store, PlanCatalog plans, Caller caller, CacheConfig config) {
        this.store = store;
        this.plans = plans;
        this.caller = caller;
        this.config = config;
    }

    /**
     * SET. Query: ex / px / exat / pxat (at most one), keepttl, nx / xx (at most one), get (answer with the old
     * value). 204 when written; 412 when nx/xx stopped it; with get: 200 and the old value, or 204 when there was none,
     * and the header Cache-Written telling whether the write happened.
     */
    @PUT
    @Path("{key}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Set a value (SET)", description = "Stores the raw body under the key with its Content-Type, like Redis SET: ex/px/exat/pxat expiries, keepttl, nx/xx conditions, get for the old value. Write scope.")
    @APIResponse(responseCode = "204", description = "written")
    @APIResponse(responseCode = "200", description = "with get: the old value", content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "412", description = "nx or xx stopped the write")
    @APIResponse(responseCode = "413", description = "the key or the value is over the plan's size")
    @APIResponse(responseCode = "507", description = "the plan's number of cache entries is used up")
    @RequestBody(required = true, description = "the value; its Content-Type is stored with it and sent back by GET", content = {
            @Content(mediaType = "application/octet-stream", schema = @Schema(type = SchemaType.STRING, format = "binary"), example = "hello"),
            @Content(mediaType = "text/plain", schema = @Schema(type = SchemaType.STRING), example = "hello") })
    public Uni<Response> set(@PathParam("key") String rawKey, @QueryParam("ex") String ex, @QueryParam("px") String px,
            @QueryParam("exat") String exat, @QueryParam("pxat") String pxat, @QueryParam("keepttl") String keepTtl,
            @QueryParam("nx") String nx, @QueryParam("xx") String xx, @QueryParam("get") String getText,
            @HeaderParam("Content-Type") String contentType, @Context UriInfo uri, byte[] body) {
        var query = uri.getQueryParameters();
        CacheRequests.checkQuery(query, "ex", "px", "exat", "pxat", "keepttl", "nx", "xx", "get");
        String key = CacheRequests.pathKey(rawKey);
        CacheRequests.checkKeyShape(key);
        // from the query itself: a parameter given empty ("?ex=") is refused, never read as absent
        Expiry expiry = CacheRequests.expiry(query.getFirst("ex"), query.getFirst("px"), query.getFirst("exat"), query.getFirst("pxat"),
                CacheRequests.flag(keepTtl, "keepttl"));
        Condition condition = CacheRequests.condition(CacheRequests.flag(nx, "nx"), CacheRequests.flag(xx, "xx"));
        boolean get = CacheRequests.flag(getText, "get");
        byte[] value = body == null ? new byte[0] : body;
        CacheRequests.checkContentType(contentType);
        return plans.limits(caller.plan()).flatMap(limits -> {
            CacheRequests.checkKey(key, limits);
            CacheRequests.checkValue(value.length, limits);
            return store.set(caller.tenantId(), key, value, contentType, expiry, condition, get);
        }).map(result -> {
            if (get) {
                // as Redis 7's SET ... GET: the old value whether or not NX/XX let the write happen; the header tells which
                Response.ResponseBuilder answer = result.old() == null ? Response.noContent()
                        : Response.ok(result.old().bytes(), result.old().contentType() == null ? OCTETS : result.old().contentType());
                return answer.header(WRITTEN, Boolean.toString(result.written())).build();
            }
            if (!result.written()) {
                throw new ProblemException(412, "Precondition Failed", condition == Condition.NX ? "The key exists (nx)" : "The key does not exist (xx)");
            }
            return Response.noContent().build();
        });
    }

    @DELETE
    @Path("{key}")
    @Operation(summary = "Delete a key (DEL)", description = "Deletes the key. Write scope.")
    @APIResponse(responseCode = "204", description = "deleted")
    @APIResponse(responseCode = "404", description = "no such key")
    public Uni<Response> delete(@PathParam("key") String rawKey, @Context UriInfo uri) {
        CacheRequests.checkQuery(uri.getQueryParameters());
        String key = CacheRequests.pathKey(rawKey);
        CacheRequests.checkKeyShape(key);
        return store.delete(caller.tenantId(), List.of(key)).map(n -> {
            if (n == 0) {
                throw ProblemException.notFound("No such key");
            }
            return Response.noContent().build();
        });
    }

    @GET
    @Path("{key}/ttl")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Time to live (TTL)", description = "Seconds and milliseconds left: -1 without expiry, -2 when the key does not exist. Read scope.")
    public Uni<Ttl> ttl(@PathParam("key") String rawKey, @Context UriInfo uri) {
        CacheRequests.checkQuery(uri.getQueryParameters());
        String key = CacheRequests.pathKey(rawKey);
        CacheRequests.checkKeyShape(key);
        return store.pttl(caller.tenantId(), key).map(pttl -> new Ttl(pttl < 0 ? pttl : (pttl + 500) / 1000, pttl));
    }

    /** EXPIRE / PEXPIRE: ex (seconds) or px (milliseconds); mode nx, xx, gt or lt. A TTL of 0 or less deletes. */
    @POST
    @Path("{key}/expire")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set an expiry (EXPIRE)", description = "Sets the key's expiry in seconds (ex) or milliseconds (px), with the NX, XX, GT, LT modes. Write scope.")
    public Uni<Applied> expire(@PathParam("key") String rawKey, @QueryParam("ex") String exText, @QueryParam("px") String pxText,
            @QueryParam("mode") String mode, @Context UriInfo uri) {
        var query = uri.getQueryParameters();
        CacheRequests.checkQuery(query, "ex", "px", "mode");
        String key = CacheRequests.pathKey(rawKey);
        CacheRequests.checkKeyShape(key);
        long ttlMs = CacheRequests.expireTtlMs(query.getFirst("ex"), query.getFirst("px"));
        return store.expire(caller.tenantId(), key, ttlMs, mode).map(Applied::new);
    }

    @POST
    @Path("{key}/persist")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Remove the expiry (PERSIST)", description = "The key no longer expires. Write scope.")
    public Uni<Applied> persist(@PathParam("key") String rawKey, @Context UriInfo uri) {
        CacheRequests.checkQuery(uri.getQueryParameters());
        String key = CacheRequests.pathKey(rawKey);
        CacheRequests.checkKeyShape(key);
        return store.persist(caller.tenantId(), key).map(Applied::new);
    }

    /** INCR / INCRBY: by defaults to 1. */
    @POST
    @Path("{key}/incr")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Increment (INCRBY)", description = "Adds by (default 1) to an integer value, creating it at 0. Write scope.")
    @APIResponse(responseCode = "200", description = "the new value", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Counter.class)))
    @APIResponse(responseCode = "409", description = "the value is not an integer, or the result is out of range")
    public Uni<Counter> incr(@PathParam("key") String rawKey, @QueryParam("by") @DefaultValue("1") String by, @Context UriInfo uri) {
        CacheRequests.checkQuery(uri.getQueryParameters(), "by");
        return counter(rawKey, CacheRequests.increment(step(uri)));
    }

    /** DECR / DECRBY: by defaults to 1. */
    @POST
    @Path("{key}/decr")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Decrement (DECRBY)", description = "Subtracts by (default 1) from an integer value, creating it at 0. Write scope.")
    @APIResponse(responseCode = "200", description = "the new value", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Counter.class)))
    @APIResponse(responseCode = "409", description = "the value is not an integer, or the result is out of range")
    public Uni<Counter> decr(@PathParam("key") String rawKey, @QueryParam("by") @DefaultValue("1") String by, @Context UriInfo uri) {
        CacheRequests.checkQuery(uri.getQueryParameters(), "by");
        return counter(rawKey, CacheRequests.decrement(step(uri)));
    }

    /** by as given ("?by=" is refused), 1 when absent. */
    private static String step(UriInfo uri) {
        String by = uri.getQueryParameters().getFirst("by");
        return by == null ? "1" : by;
    }

    private Uni<Counter> counter(String rawKey, long by) {
        String key = CacheRequests.pathKey(rawKey);
        CacheRequests.checkKeyShape(key);
        return plans.limits(caller.plan()).flatMap(limits -> {
            CacheRequests.checkKey(key, limits);
            return store.incrBy(caller.tenantId(), key, by);
        }).map(Counter::new);
    }

    /** SCAN by prefix: keys in byte order; pass the returned cursor to get the next page (null at the end). */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List keys (SCAN)", description = "Keys with a prefix, a page at a time; pass the cursor of the answer for the next page. Read scope.")
    public Uni<Page> scan(@QueryParam("prefix") @DefaultValue("") String prefix, @QueryParam("cursor") String cursor,
            @QueryParam("count") @DefaultValue("100") String countText, @Context UriInfo uri) {
        CacheRequests.checkQuery(uri.getQueryParameters(), "prefix", "cursor", "count");
        int count = ListParams.pageSize("count", countText, config.scanMaxCount());
        CacheRequests.checkScanPrefix(prefix);
        String after = ListParams.decodeCursor(cursor);
        return store.scan(caller.tenantId(), prefix, after, count).map(page -> new Page(page.keys(), ListParams.encodeCursor(page.nextAfter())));
    }

    /** FLUSH: deletes every key of the tenant. */
    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Delete every key (FLUSHDB)", description = "Deletes every key of your tenant; the answer counts them. Write scope.")
    public Uni<Count> flush(@Context UriInfo uri) {
        CacheRequests.checkQuery(uri.getQueryParameters());
        return store.flush(caller.tenantId()).map(Count::new);
    }

    @POST
    @Path(CacheRequests.RESERVED + "/get")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Get many values (MGET)", description = "The values of many keys in one call; a missing key has no value. Read scope (a POST that only reads).")
    public Uni<Values> mget(Keys body) {
        List<String> keys = CacheRequests.keys(body, config.batchMaxKeys());
        return store.mget(caller.tenantId(), keys).map(values -> {
            List<Found> found = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                found.add(Found.of(keys.get(i), values.get(i)));
            }
            return new Values(found);
        });
    }

    /** MSET: all entries are written or none (a later entry of the same key wins). 204. */
    @POST
    @Path(CacheRequests.RESERVED + "/set")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set many values (MSET)", description = "Stores many text or base64 values in one transaction, each with an optional ttlMs. Write scope.")
    @APIResponse(responseCode = "204", description = "written")
    @APIResponse(responseCode = "507", description = "the plan's number of cache entries would be used up")
    public Uni<Response> mset(Items body) {
        List<CacheStore.Entry> entries = CacheRequests.entries(body, config.batchMaxKeys());
        return plans.limits(caller.plan()).flatMap(limits -> {
            for (CacheStore.Entry e : entries) {
                CacheRequests.checkKey(e.key(), limits);
                CacheRequests.checkValue(e.value().length, limits);
            }
            return store.mset(caller.tenantId(), entries);
        }).map(ignored -> Response.noContent().build());
    }

    /** DEL of many keys: how many existed. */
    @POST
    @Path(CacheRequests.RESERVED + "/delete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Delete many keys (DEL)", description = "Deletes many keys; the answer counts those that existed. Write scope.")
    public Uni<Count> mdelete(Keys body) {
        return store.delete(caller.tenantId(), CacheRequests.keys(body, config.batchMaxKeys())).map(Count::new);
    }

    /** EXISTS of many keys: how many of them exist (a key named twice counts twice, as in Redis). */
    @POST
    @Path(CacheRequests.RESERVED + "/exists")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Count existing keys (EXISTS)", description = "How many of the keys exist. Read scope (a POST that only reads).")
    public Uni<Count> exists(Keys body) {
        return store.exists(caller.tenantId(), CacheRequests.keys(body, config.batchMaxKeys())).map(Count::new);
    }
}
