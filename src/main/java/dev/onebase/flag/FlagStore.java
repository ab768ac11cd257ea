package dev.onebase.flag;

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
    private static final String UPSERT = """
            insert into feature_flags (tenant_id, key, description, enabled, variants, default_variant, off_variant, rules, rollout)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            on conflict (tenant_id, key) do update
               set description = excluded.description, enabled = excluded.enabled, variants = excluded.variants,
                   default_variant = excluded.default_variant, off_variant = excluded.off_variant, rules = excluded.rules,
                   rollout = excluded.rollout, updated_at = now()
            returning (xmax = 0) as created
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

    /** Creates or replaces; true when created. */
    public Uni<Boolean> put(UUID tenant, Flag f) {
        Tuple args = Tuple.tuple().addUUID(tenant).addString(f.key()).addString(f.description()).addBoolean(f.enabled())
                .addValue(new JsonObject(write(f.variants()))).addString(f.defaultVariant()).addString(f.offVariant())
                .addValue(new JsonArray(write(f.rules()))).addValue(f.rollout() == null ? null : new JsonObject(write(f.rollout())));
        return tx.statement(tenant, UPSERT, args).map(rows -> rows.iterator().next().getBoolean("created"));
    }

    public Uni<Optional<Flag>> get(UUID tenant, String key) {
        return tx.statement(tenant, "select " + COLUMNS + " from feature_flags where key = $1", Tuple.of(key))
                .map(rows -> Rows.first(rows).map(this::flag));
    }

    public Uni<List<Flag>> list(UUID tenant) {
        return tx.statement(tenant, "select " + COLUMNS + " from feature_flags order by key", Tuple.tuple()).map(this::flags);
    }

    public Uni<Boolean> delete(UUID tenant, String key) {
        return tx.statement(tenant, "delete from feature_flags where key = $1 returning 1", Tuple.of(key)).map(rows -> rows.rowCount() > 0);
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

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
