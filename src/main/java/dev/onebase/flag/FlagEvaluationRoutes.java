package dev.onebase.flag;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.onebase.auth.ApiKeys;
import dev.onebase.flag.FlagEvaluator.Evaluation;
import dev.onebase.ratelimit.RouteGate;
import dev.onebase.web.EntityTags;
import dev.onebase.web.ProblemException;
import dev.onebase.web.RequestIdFilter;
import dev.onebase.web.RouterRequests;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Flag evaluation, which only reads, so a key with the {@code read} scope may evaluate although the requests are POSTs
 * (they carry a context): {@code POST /api/v1/flags/evaluate} and {@code /api/v1/flags/{key}/evaluate} (onebase's
 * shape, problems as problem+json), and the OpenFeature Remote Evaluation Protocol's
 * {@code POST /ofrep/v1/evaluate/flags} (bulk, with ETag / If-None-Match) and {@code /ofrep/v1/evaluate/flags/{key}}.
 * Served from the HTTP router behind the {@link RouteGate}, because the JAX-RS authentication asks every POST for the
 * {@code write} scope.
 */
@ApplicationScoped
public class FlagEvaluationRoutes {

    static final String API = "/api/v1/flags/";
    static final String OFREP = "/ofrep/v1/evaluate/flags";
    private static final String API_KEY_HEADER = "X-API-Key";

    /** onebase's answer to evaluate-all. */
    public record Evaluations(List<Evaluation> flags) {
    }

    private record Answer(int status, Object body, String etag) {
    }

    private final RouteGate gate;
    private final FlagStore store;
    private final RouterRequests requests;
    private final ObjectReader reader;
    private final long maxBody;

    public FlagEvaluationRoutes(RouteGate gate, FlagStore store, RouterRequests requests, ObjectMapper json,
            @ConfigProperty(name = "onebase.http.max-json-body", defaultValue = "64K") MemorySize maxBody) {
        this.gate = gate;
        this.store = store;
        this.requests = requests;
        this.reader = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.maxBody = maxBody.asLongValue();
    }

    void install(@Observes Router router) {
        router.post(API + "evaluate").order(-10).handler(ctx -> handle(ctx, API + "evaluate", false, false));
        router.post(API + ":key/evaluate").order(-10).handler(ctx -> handle(ctx, API + "{key}/evaluate", false, true));
        router.post(OFREP).order(-10).handler(ctx -> handle(ctx, OFREP, true, false));
        router.post(OFREP + "/:key").order(-10).handler(ctx -> handle(ctx, OFREP + "/{key}", true, true));
    }

    private void handle(RoutingContext ctx, String template, boolean ofrep, boolean single) {
        String requestId = requests.begin(ctx, template);
        HttpServerRequest req = ctx.request();
        req.pause();
        String key = single ? ctx.pathParam("key") : null;
        if (ofrep && req.getHeader("Authorization") == null && req.getHeader(API_KEY_HEADER) != null) {
            // OFREP providers may send the key as X-API-Key; the gate reads the one Authorization header
            req.headers().set("Authorization", "Bearer " + req.getHeader(API_KEY_HEADER));
        }
        Uni.createFrom().deferred(() -> gate.admit(ctx, ApiKeys.SCOPE_READ)
                .flatMap(tenant -> body(req).map(FlagEvaluation::context)
                        .flatMap(context -> single ? one(tenant, key, context, ofrep) : all(tenant, context, ofrep, req))))
                .subscribe().with(answer -> send(ctx, answer, requestId), failure -> {
                    if (ofrep && failure instanceof FlagEvaluation problem) {
                        send(ctx, new Answer(problem.status(), Ofrep.failure(key, problem), null), requestId);
                    } else {
                        requests.fail(ctx, failure, requestId);
                    }
                });
    }

    private Uni<Answer> one(UUID tenant, String key, Map<String, JsonNode> context, boolean ofrep) {
        FlagEvaluation.checkKey(key);
        return store.get(tenant, key).map(found -> {
            Flag flag = found.orElseThrow(() -> FlagEvaluation.missing(key));
            Evaluation e = FlagEvaluator.evaluate(flag, context);
            if (!ofrep) {
                return new Answer(200, e, null);
            }
            return new Answer(e.errorCode() == null ? 200 : 400, Ofrep.item(flag, e), null);
        });
    }

    private Uni<Answer> all(UUID tenant, Map<String, JsonNode> context, boolean ofrep, HttpServerRequest req) {
        return store.list(tenant).map(flags -> {
            if (!ofrep) {
                return new Answer(200, new Evaluations(flags.stream().map(f -> FlagEvaluator.evaluate(f, context)).toList()), null);
            }
            String body = requests.encode(new Ofrep.Bulk(flags.stream().map(f -> Ofrep.item(f, FlagEvaluator.evaluate(f, context))).toList()));
            String etag = Ofrep.etag(body);
            if (EntityTags.noneMatchFails(req.getHeader("If-None-Match"), etag)) {
                return new Answer(304, null, etag);
            }
            return new Answer(200, body, etag);
        });
    }

    /** The JSON body, within the JSON body limit whatever its Content-Type says; missing when empty. */
    private Uni<JsonNode> body(HttpServerRequest req) {
        String type = req.getHeader("Content-Type");
        if (type != null && !isJson(type)) {
            throw new ProblemException(415, "Unsupported Media Type", "Send the evaluation request as application/json");
        }
        String length = req.getHeader("Content-Length");
        if (length == null && req.getHeader("Transfer-Encoding") != null) {
            throw new ProblemException(411, "Length Required", "JSON bodies must be sent with a Content-Length");
        }
        long declared = length == null ? 0 : parseLength(length);
        if (declared > maxBody) {
            throw new ProblemException(413, "Content Too Large", "JSON bodies are limited to " + maxBody + " bytes");
        }
        return Uni.createFrom().completionStage(() -> {
            var body = req.body();
            req.resume();
            return body.toCompletionStage();
        }).map(buffer -> {
            if (buffer.length() == 0) {
                return null;
            }
            try {
                return reader.readTree(buffer.getBytes());
            } catch (IOException e) {
                throw FlagEvaluation.parseError("The body is not valid JSON");
            }
        });
    }

    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
    }

    private static long parseLength(String length) {
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("Content-Length must be a number");
        }
    }

    private void send(RoutingContext ctx, Answer answer, String requestId) {
        HttpServerResponse resp = ctx.response();
        if (resp.closed()) {
            return;
        }
        resp.setStatusCode(answer.status()).putHeader(RequestIdFilter.HEADER, requestId);
        if (answer.etag() != null) {
            resp.putHeader("ETag", answer.etag());
        }
        if (answer.body() == null) {
            resp.end();
            return;
        }
        String body = answer.body() instanceof String text ? text : requests.encode(answer.body());
        resp.putHeader("Content-Type", "application/json").end(body);
    }
}
