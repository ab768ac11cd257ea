package dev.onebase.cache;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.onebase.auth.Caller;
import dev.onebase.cache.CacheRecords.Applied;
import dev.onebase.cache.CacheRecords.Count;
import dev.onebase.cache.CacheRecords.Counter;
import dev.onebase.cache.CacheRecords.Found;
import dev.onebase.cache.CacheRecords.Item;
import dev.onebase.cache.CacheRecords.Items;
import dev.onebase.cache.CacheRecords.Keys;
import dev.onebase.cache.CacheRecords.Page;
import dev.onebase.cache.CacheRecords.Ttl;
import dev.onebase.cache.CacheRecords.Values;
import dev.onebase.cache.CacheStore.Condition;
import dev.onebase.cache.CacheStore.Expiry;
import dev.onebase.tenant.Plan;
import dev.onebase.tenant.PlanCatalog;
import dev.onebase.web.ListParams;
import dev.onebase.web.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * The cache over HTTP. One key: {@code /api/v1/cache/{key}} (the key is one URL-encoded path segment). Batch
 * operations live under {@code /api/v1/cache/_batch/...}; SCAN and FLUSH are the collection's GET and DELETE.
 */
@Path("/api/v1/cache")
public class CacheResource {

    static final String RESERVED = "_batch";
    private static final String OCTETS = MediaType.APPLICATION_OCTET_STREAM;

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
     * value). 204 when written; 412 when nx/xx stopped it; with get: 200 and the old value, or 204 when there was none.
     */
    @PUT
    @Path("{key}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> set(@PathParam("key") String key, @QueryParam("ex") String ex, @QueryParam("px") String px,
            @QueryParam("exat") String exat, @QueryParam("pxat") String pxat, @QueryParam("keepttl") @DefaultValue("false") boolean keepTtl,
            @QueryParam("nx") @DefaultValue("false") boolean nx, @QueryParam("xx") @DefaultValue("false") boolean xx,
            @QueryParam("get") @DefaultValue("false") boolean get, @HeaderParam("Content-Type") String contentType, byte[] body) {
        checkKeyShape(key);
        Expiry expiry = expiry(optionalLong(ex, "ex"), optionalLong(px, "px"), optionalLong(exat, "exat"), optionalLong(pxat, "pxat"), keepTtl);
        if (nx && xx) {
            throw ProblemException.badRequest("nx and xx cannot be combined");
        }
        Condition condition = nx ? Condition.NX : xx ? Condition.XX : Condition.ALWAYS;
        byte[] value = body == null ? new byte[0] : body;
        if (contentType != null && contentType.length() > 200) {
            throw ProblemException.badRequest("Content-Type is limited to 200 characters");
        }
        return plans.limits(caller.plan()).flatMap(limits -> {
            checkKey(key, limits);
            checkValue(value.length, limits);
            return store.set(caller.tenantId(), key, value, contentType, expiry, condition, get);
        }).map(result -> {
            if (!result.written()) {
                throw new ProblemException(412, "Precondition Failed", condition == Condition.NX ? "The key exists (nx)" : "The key does not exist (xx)");
            }
            if (get && result.old() != null) {
                return Response.ok(result.old().bytes(), result.old().contentType() == null ? OCTETS : result.old().contentType()).build();
            }
            return Response.noContent().build();
        });
    }

    @DELETE
    @Path("{key}")
    public Uni<Response> delete(@PathParam("key") String key) {
        checkKeyShape(key);
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
    public Uni<Ttl> ttl(@PathParam("key") String key) {
        checkKeyShape(key);
        return store.pttl(caller.tenantId(), key).map(pttl -> new Ttl(pttl < 0 ? pttl : (pttl + 500) / 1000, pttl));
    }

    /** EXPIRE / PEXPIRE: ex (seconds) or px (milliseconds); mode nx, xx, gt or lt. A TTL of 0 or less deletes. */
    @POST
    @Path("{key}/expire")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Applied> expire(@PathParam("key") String key, @QueryParam("ex") String exText, @QueryParam("px") String pxText,
            @QueryParam("mode") String mode) {
        checkKeyShape(key);
        Long ex = optionalLong(exText, "ex");
        Long px = optionalLong(pxText, "px");
        if ((ex == null) == (px == null)) {
            throw ProblemException.badRequest("Give exactly one of ex (seconds) or px (milliseconds)");
        }
        long ms = ex != null ? multiply(ex, 1000) : px;
        return store.expire(caller.tenantId(), key, ms, mode).map(Applied::new);
    }

    @POST
    @Path("{key}/persist")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Applied> persist(@PathParam("key") String key) {
        checkKeyShape(key);
        return store.persist(caller.tenantId(), key).map(Applied::new);
    }

    /** INCR / INCRBY: by defaults to 1. */
    @POST
    @Path("{key}/incr")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Counter> incr(@PathParam("key") String key, @QueryParam("by") @DefaultValue("1") String by) {
        return counter(key, parseLong(by, "by"));
    }

    /** DECR / DECRBY: by defaults to 1. */
    @POST
    @Path("{key}/decr")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Counter> decr(@PathParam("key") String key, @QueryParam("by") @DefaultValue("1") String by) {
        long n = parseLong(by, "by");
        if (n == Long.MIN_VALUE) {
            throw ProblemException.badRequest("by is out of range");
        }
        return counter(key, -n);
    }

    private Uni<Counter> counter(String key, long by) {
        checkKeyShape(key);
        return plans.limits(caller.plan()).flatMap(limits -> {
            checkKey(key, limits);
            return store.incrBy(caller.tenantId(), key, by);
        }).map(Counter::new);
    }

    /** SCAN by prefix: keys in byte order; pass the returned cursor to get the next page (null at the end). */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Page> scan(@QueryParam("prefix") @DefaultValue("") String prefix, @QueryParam("cursor") String cursor,
            @QueryParam("count") @DefaultValue("100") String countText) {
        int count = ListParams.pageSize("count", countText, config.scanMaxCount());
        if (prefix.indexOf('\0') >= 0) {
            throw ProblemException.badRequest("prefix must not contain NUL");
        }
        String after = null;
        if (cursor != null && !cursor.isEmpty()) {
            try {
                after = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor))).toString();
            } catch (IllegalArgumentException | CharacterCodingException e) {
                throw ProblemException.badRequest("cursor is not one this service returned");
            }
        }
        return store.scan(caller.tenantId(), prefix, after, count).map(page -> new Page(page.keys(), ListParams.encodeCursor(page.nextAfter())));
    }

    /** FLUSH: deletes every key of the tenant. */
    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Count> flush() {
        return store.flush(caller.tenantId()).map(Count::new);
    }

    @POST
    @Path(RESERVED + "/get")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Values> mget(Keys body) {
        List<String> keys = keys(body);
        return store.mget(caller.tenantId(), keys).map(values -> {
            List<Found> found = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                CacheStore.Value v = values.get(i);
                if (v == null) {
                    found.add(new Found(keys.get(i), null, null, null));
                } else {
                    String text = utf8(v.bytes());
                    found.add(new Found(keys.get(i), text, text == null ? Base64.getEncoder().encodeToString(v.bytes()) : null, v.contentType()));
                }
            }
            return new Values(found);
        });
    }

    /** MSET: all entries are written or none (a later entry of the same key wins). 204. */
    @POST
    @Path(RESERVED + "/set")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> mset(Items body) {
        if (body == null || body.entries() == null || body.entries().isEmpty()) {
            throw ProblemException.badRequest("entries must be a non-empty array");
        }
        if (body.entries().size() > config.batchMaxKeys()) {
            throw ProblemException.badRequest("At most " + config.batchMaxKeys() + " entries per call");
        }
        Map<String, CacheStore.Entry> entries = new LinkedHashMap<>();
        for (int i = 0; i < body.entries().size(); i++) {
            Item item = body.entries().get(i);
            if (item == null || item.key() == null) {
                throw ProblemException.badRequest("entries[" + i + "].key is required");
            }
            checkKeyShape(item.key());
            if ((item.value() == null) == (item.valueBase64() == null)) {
                throw ProblemException.badRequest("entries[" + i + "] needs exactly one of value or valueBase64");
            }
            if (item.ttlMs() != null && item.ttlMs() <= 0) {
                throw ProblemException.badRequest("entries[" + i + "].ttlMs must be positive");
            }
            byte[] bytes;
            try {
                bytes = item.value() != null ? item.value().getBytes(StandardCharsets.UTF_8) : Base64.getDecoder().decode(item.valueBase64());
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("entries[" + i + "].valueBase64 is not base64");
            }
            entries.remove(item.key());
            entries.put(item.key(), new CacheStore.Entry(item.key(), bytes, item.ttlMs()));
        }
        return plans.limits(caller.plan()).flatMap(limits -> {
            for (CacheStore.Entry e : entries.values()) {
                checkKey(e.key(), limits);
                checkValue(e.value().length, limits);
            }
            return store.mset(caller.tenantId(), new ArrayList<>(entries.values()));
        }).map(ignored -> Response.noContent().build());
    }

    /** DEL of many keys: how many existed. */
    @POST
    @Path(RESERVED + "/delete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Count> mdelete(Keys body) {
        return store.delete(caller.tenantId(), keys(body)).map(Count::new);
    }

    /** EXISTS of many keys: how many of them exist (a key named twice counts twice, as in Redis). */
    @POST
    @Path(RESERVED + "/exists")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Count> exists(Keys body) {
        return store.exists(caller.tenantId(), keys(body)).map(Count::new);
    }

    private List<String> keys(Keys body) {
        if (body == null || body.keys() == null || body.keys().isEmpty()) {
            throw ProblemException.badRequest("keys must be a non-empty array");
        }
        if (body.keys().size() > config.batchMaxKeys()) {
            throw ProblemException.badRequest("At most " + config.batchMaxKeys() + " keys per call");
        }
        for (String k : body.keys()) {
            if (k == null) {
                throw ProblemException.badRequest("keys must not contain null");
            }
            checkKeyShape(k);
        }
        return body.keys();
    }

    static Expiry expiry(Long ex, Long px, Long exat, Long pxat, boolean keepTtl) {
        int given = (ex != null ? 1 : 0) + (px != null ? 1 : 0) + (exat != null ? 1 : 0) + (pxat != null ? 1 : 0);
        if (given > 1 || (given == 1 && keepTtl)) {
            throw ProblemException.badRequest("Give at most one of ex, px, exat, pxat, keepttl");
        }
        Long value = ex != null ? ex : px != null ? px : exat != null ? exat : pxat;
        if (value != null && value <= 0) {
            throw ProblemException.badRequest("The expiry must be a positive number");
        }
        if (ex != null) {
            return new Expiry(multiply(ex, 1000), null, false);
        }
        if (px != null) {
            return new Expiry(px, null, false);
        }
        if (exat != null) {
            return new Expiry(null, multiply(exat, 1000), false);
        }
        if (pxat != null) {
            return new Expiry(null, pxat, false);
        }
        return keepTtl ? Expiry.KEEP : Expiry.NONE;
    }

    private static long multiply(long seconds, int factor) {
        if (seconds > 100L * 365 * 24 * 3600 || seconds < -100L * 365 * 24 * 3600) {
            throw ProblemException.badRequest("The expiry is out of range");
        }
        return seconds * factor;
    }

    private static Long optionalLong(String text, String name) {
        return text == null || text.isEmpty() ? null : parseLong(text, name);
    }

    private static long parseLong(String text, String name) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest(name + " must be an integer");
        }
    }

    static void checkKeyShape(String key) {
        if (key.isEmpty()) {
            throw ProblemException.badRequest("The key must not be empty");
        }
        if (key.indexOf('\0') >= 0) {
            throw ProblemException.badRequest("The key must not contain NUL");
        }
        if (key.equals(RESERVED)) {
            throw ProblemException.badRequest("'" + RESERVED + "' is reserved for the batch routes");
        }
    }

    private static void checkKey(String key, Plan limits) {
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxKeyBytes()) {
            throw ProblemException.tooLarge("The key is " + bytes + " bytes; the " + limits.id() + " plan allows "
                    + limits.maxKeyBytes());
        }
    }

    private static void checkValue(int bytes, Plan limits) {
        if (bytes > limits.maxValueBytes()) {
            throw ProblemException.tooLarge("The value is " + bytes + " bytes; the " + limits.id() + " plan allows "
                    + limits.maxValueBytes());
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
