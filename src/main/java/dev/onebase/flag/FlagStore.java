package dev.onebase.flag;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.onebase.db.Rows;
import dev.onebase.db.TenantTx;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/** Feature flag definitions, one row each, through {@link TenantTx#statement}. */
@ApplicationScoped
public class FlagStore {

    private static final String COLUMNS = "key, description, enabled, variants, default_variant, off_variant, rules, rollout";
    /** A row as the API shows the flag: the shape of the history's before and after. */
    private static final String DOCUMENT = """
            jsonb_strip_nulls(jsonb_build_object('key', key, 'description', description, 'enabled', enabled,
                'defaultVariant', default_variant, 'offVariant', off_variant, 'rollout', rollout))
              || jsonb_build_object('variants', variants, 'rules', rules)""";
    /**
     * One statement: the row before, the upsert, and the history row when something changed ($10 actor, $11 key id).
     * The insert reads {@code before} first so the row is locked (and re-read after a concurrent change commits)
     * before it is replaced: the recorded before is the state this change replaced.
     */
    private static final String UPSERT = """
            with before as (select %1$s as doc from feature_flags where key = $2 for update),
            upsert as (
                insert into feature_flags (tenant_id, key, description, enabled, variants, default_variant, off_variant, rules, rollout)
                select $1::uuid, $2::text, $3::text, $4::boolean, $5::jsonb, $6::text, $7::text, $8::jsonb, $9::jsonb
                  from (select count(*) from before) as locked
                on conflict (tenant_id, key) do update
                   set description = excluded.description, enabled = excluded.enabled, variants = excluded.variants,
                       default_variant = excluded.default_variant, off_variant = excluded.off_variant, rules = excluded.rules,
                       rollout = excluded.rollout, updated_at = now()
                returning (xmax = 0) as created, %1$s as doc),
            history as (
                insert into feature_flag_history (tenant_id, flag_key, actor, key_id, before, after)
                select $1, $2, $10, $11, (select doc from before), upsert.doc from upsert
                 where (select doc from before) is distinct from upsert.doc)
            select created from upsert
            """.formatted(DOCUMENT);
    private static final String DELETE = """
            with gone as (delete from feature_flags where key = $2 returning %s as doc),
            history as (
                insert into feature_flag_history (tenant_id, flag_key, actor, key_id, before)
                select $1, $2, $3, $4, doc from gone)
            select 1 from gone
            """.formatted(DOCUMENT);
    private static final String HISTORY = """
            select h.id, h.actor, h.key_id, k.prefix, h.changed_at, h.before, h.after
              from feature_flag_history h left join api_keys k on k.id = h.key_id
             where h.flag_key = $1 and ($2::bigint is null or h.id < $2)
             order by h.id desc limit $3
            """;

    private static final TypeReference<Map<String, JsonNode>> VARIANTS = new TypeReference<>() {
    };
    private static final TypeReference<List<Flag.Rule>> RULES = new TypeReference<>() {
    };

    private final TenantTx tx;
    private final ObjectMapper json;

    public FlagStore(TenantTx tx, ObjectMapper json) {
        this.tx = tx;
        this.json = json;
    }

    /** Who changes a flag: a tenant's API key, or the admin credential (keyId null). */
    public record Actor(String kind, UUID keyId) {
        public static Actor apiKey(UUID keyId) {
            return new Actor("api-key", keyId);
        }

        public static Actor admin() {
            return new Actor("admin", null);
        }
    }

    /** One change: before null when the flag was created, after null when it was deleted. */
    public record Change(long id, String actor, UUID keyId, String keyPrefix, OffsetDateTime changedAt, JsonNode before, JsonNode after) {
    }

    /** Creates or replaces, and records the change; true when created. */
    public Uni<Boolean> put(UUID tenant, Flag f, Actor actor) {
        Tuple args = Tuple.tuple().addUUID(tenant).addString(f.key()).addString(f.description()).addBoolean(f.enabled())
                .addValue(new JsonObject(write(f.variants()))).addString(f.defaultVariant()).addString(f.offVariant())
                .addValue(new JsonArray(write(f.rules()))).addValue(f.rollout() == null ? null : new JsonObject(write(f.rollout())))
                .addString(actor.kind()).addUUID(actor.keyId());
        return tx.statement(tenant, UPSERT, args).map(rows -> rows.iterator().next().getBoolean("created"));
    }

    public Uni<Optional<Flag>> get(UUID tenant, String key) {
        return tx.statement(tenant, "select " + COLUMNS + " from feature_flags where key = $1", Tuple.of(key))
                .map(rows -> Rows.first(rows).map(this::flag));
    }

    public Uni<List<Flag>> list(UUID tenant) {
        return tx.statement(tenant, "select " + COLUMNS + " from feature_flags order by key", Tuple.tuple()).map(this::flags);
    }

    public Uni<Boolean> delete(UUID tenant, String key, Actor actor) {
        return tx.statement(tenant, DELETE, Tuple.of(tenant, key, actor.kind(), actor.keyId())).map(rows -> rows.rowCount() > 0);
    }

    /** The flag's changes, newest first, {@code limit} of them older than change {@code before} (null: the newest). */
    public Uni<List<Change>> history(UUID tenant, String key, Long before, int limit) {
        return tx.statement(tenant, HISTORY, Tuple.of(key, before, limit)).map(rows -> {
            List<Change> changes = new ArrayList<>();
            rows.forEach(r -> changes.add(new Change(r.getLong("id"), r.getString("actor"), r.getUUID("key_id"), r.getString("prefix"),
                    r.getOffsetDateTime("changed_at"), tree(r.getValue("before")), tree(r.getValue("after")))));
            return changes;
        });
    }

    private List<Flag> flags(RowSet<Row> rows) {
        List<Flag> flags = new ArrayList<>();
        rows.forEach(r -> flags.add(flag(r)));
        return flags;
    }

    private Flag flag(Row r) {
        try {
            Object rollout = r.getValue("rollout");
            return new Flag(r.getString("key"), r.getString("description"), r.getBoolean("enabled"),
                    json.readValue(r.getValue("variants").toString(), VARIANTS), r.getString("default_variant"), r.getString("off_variant"),
                    json.readValue(r.getValue("rules").toString(), RULES),
                    rollout == null ? null : json.readValue(rollout.toString(), Flag.Rollout.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("feature_flags row " + r.getString("key") + " does not parse", e);
        }
    }

    private JsonNode tree(Object jsonb) {
        try {
            return jsonb == null ? null : json.readTree(jsonb.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("feature_flag_history value does not parse", e);
        }
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
