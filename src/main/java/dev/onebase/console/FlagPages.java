package dev.onebase.console;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.onebase.console.Pages.Picker;
import dev.onebase.flag.Flag;
import dev.onebase.flag.FlagEvaluator;
import dev.onebase.flag.FlagEvaluator.Evaluation;
import dev.onebase.flag.FlagStore;
import dev.onebase.flag.FlagValidator;
import dev.onebase.web.ProblemException;
import io.quarkus.qute.TemplateInstance;

/**
 * A tenant's feature flags: the list, one flag edited as JSON (variants, rules, rollout), and a preview that
 * evaluates the flag being edited, saved or not, for a context.
 */
@Path("/console/flags")
@Produces(MediaType.TEXT_HTML)
public class FlagPages {

    /** The preview's question: the flag as edited and the context, both as the JSON text of the form. */
    public record PreviewRequest(String key, String flag, String context) {
    }

    private static final String NEW_FLAG = """
            {
              "enabled": true,
              "variants": {"on": true, "off": false},
              "defaultVariant": "off",
              "offVariant": "off",
              "rules": [],
              "rollout": null
            }""";

    private final Console console;
    private final FlagStore flags;
    private final ObjectMapper json;

    public FlagPages(Console console, FlagStore flags, ObjectMapper json) {
        this.console = console;
        this.flags = flags;
        this.json = json;
    }

    @GET
    public TemplateInstance page(@QueryParam("tenant") String tenant, @QueryParam("key") String key,
            @QueryParam("notice") String notice, @QueryParam("error") String error) {
        Picker p = console.picker(tenant);
        List<String> keys = p.selected() == null ? List.of() : Console.await(flags.list(p.selected().id())).stream().map(Flag::key).toList();
        String flagJson = null;
        if (p.selected() != null && key != null && !key.isEmpty()) {
            flagJson = Console.await(flags.get(p.selected().id(), key)).map(this::pretty).orElse(NEW_FLAG);
        }
        return Pages.flags(console.chrome("flags", "Feature flags", notice, error), p, keys, key, flagJson,
                "{\n  \"targetingKey\": \"user-1\"\n}");
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response save(@FormParam("tenant") String tenant, @FormParam("key") String key, @FormParam("flag") String flag) {
        String back = "/console/flags?tenant=" + Console.encode(tenant) + "&key=" + Console.encode(key);
        return Console.change(back, () -> {
            Flag valid = FlagValidator.validate(key, parse(flag));
            boolean created = Console.await(flags.put(Console.tenantId(tenant), valid, FlagStore.Actor.admin()));
            return (created ? "Created " : "Saved ") + key;
        });
    }

    @POST
    @Path("/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response delete(@FormParam("tenant") String tenant, @FormParam("key") String key) {
        return Console.change("/console/flags?tenant=" + Console.encode(tenant),
                () -> Console.await(flags.delete(Console.tenantId(tenant), key == null ? "" : key, FlagStore.Actor.admin())) ? "Deleted " + key : "No flag " + key);
    }

    /** Evaluates the flag as typed (not saved) for the context; bad JSON or a bad flag answers 422 problem+json. */
    @POST
    @Path("/preview")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Evaluation preview(PreviewRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("send {key, flag, context}");
        }
        Flag flag = FlagValidator.validate(request.key() == null || request.key().isBlank() ? "preview" : request.key(), parse(request.flag()));
        Map<String, JsonNode> context = new LinkedHashMap<>();
        JsonNode ctx = tree(request.context() == null || request.context().isBlank() ? "{}" : request.context(), "context");
        if (!ctx.isObject()) {
            throw ProblemException.unprocessable("context must be a JSON object");
        }
        ctx.fields().forEachRemaining(e -> context.put(e.getKey(), e.getValue()));
        return FlagEvaluator.evaluate(flag, context);
    }

    private Flag parse(String flag) {
        JsonNode tree = tree(flag == null ? "" : flag, "flag");
        try {
            return json.treeToValue(tree, Flag.class);
        } catch (JsonProcessingException e) {
            throw ProblemException.unprocessable("the flag does not fit the flag format: " + e.getOriginalMessage());
        }
    }

    private JsonNode tree(String text, String what) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw ProblemException.unprocessable(what + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private String pretty(Flag f) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(new Flag(null, f.description(), f.enabled(), f.variants(),
                    f.defaultVariant(), f.offVariant(), f.rules(), f.rollout()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}
