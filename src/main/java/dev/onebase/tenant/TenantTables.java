package dev.onebase.tenant;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The tenant's tables, found in the catalog rather than listed by hand, so a new feature's table travels with its
 * tenant without anyone remembering to add it here: {@code tenants} (the tenant's own row) and every table of the
 * shared schema ({@code public}: a dedicated tenant schema holds clones of these, reached through the search_path) with a
 * {@code tenant_id} column, parents before children (foreign keys), the columns of each, and
 * what the migrations marked with a column or table comment:
 * <ul>
 * <li>{@code onebase:secret}: a credential column (an API key's hash, an S3 secret's ciphertext): left out of an
 * export; a table whose secret column is required cannot be re-created from the archive and is listed only;</li>
 * <li>{@code onebase:large-object}: the column holds a large object's OID: its content travels as its own member;</li>
 * <li>{@code onebase:derived}: a table the database keeps from others (a counter kept by triggers, the large-object
 * registry): not exported; the import rebuilds it.</li>
 * </ul>
 */
@RegisterForReflection
public record TenantTables(String schemaVersion, List<Table> tables) {

    public static final String TENANTS = "tenants";

    @RegisterForReflection
    public record Column(String name, boolean generated, boolean identity, boolean secret, boolean largeObject,
            boolean required) {
    }

    @RegisterForReflection
    public record Table(String name, boolean unlogged, boolean derived, List<Column> columns, List<String> primaryKey) {

        /** The tenant's column: {@code id} of {@code tenants}, {@code tenant_id} everywhere else. */
        public String tenantColumn() {
            return TENANTS.equals(name) ? "id" : "tenant_id";
        }

        /** The columns an export writes: not generated, not secret. */
        public List<Column> exported() {
            return columns.stream().filter(c -> !c.generated() && !c.secret()).toList();
        }

        /** Whether rows of this table can be made from an archive (no required column was left out). */
        public boolean importable() {
            return !derived && columns.stream().noneMatch(c -> c.secret() && c.required());
        }

        public List<String> secretColumns() {
            return columns.stream().filter(Column::secret).map(Column::name).toList();
        }

        public List<String> largeObjectColumns() {
            return columns.stream().filter(Column::largeObject).map(Column::name).toList();
        }

        public Column column(String name) {
            return columns.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
        }
    }

    private static final String TABLES = """
            select c.oid::bigint, c.relname, c.relpersistence = 'u',
                   coalesce(obj_description(c.oid, 'pg_class'), '') like 'onebase:derived%'
              from pg_class c
             where c.relnamespace = 'public'::regnamespace
               and c.relkind in ('r', 'p')
               and (c.relname = 'tenants' or exists (select 1 from pg_attribute a where a.attrelid = c.oid
                                                       and a.attname = 'tenant_id' and not a.attisdropped))
             order by c.relname
            """;

    private static final String COLUMNS = """
            select a.attname, a.attgenerated <> '', a.attidentity <> '',
                   coalesce(col_description(a.attrelid, a.attnum), ''), a.attnotnull and not a.atthasdef
              from pg_attribute a
             where a.attrelid = ?::bigint::oid and a.attnum > 0 and not a.attisdropped
             order by a.attnum
            """;

    private static final String PRIMARY_KEY = """
            select a.attname
              from pg_index i join lateral unnest(i.indkey) with ordinality k(attnum, pos) on true
              join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
             where i.indrelid = ?::bigint::oid and i.indisprimary
             order by k.pos
            """;

    private static final String REFERENCES = """
            select conrelid::bigint, confrelid::bigint from pg_constraint
             where contype = 'f' and conrelid <> confrelid
            """;

    /** Reads the catalog over {@code c} (as any role: the catalog is readable to all). */
    public static TenantTables read(Connection c) throws SQLException {
        Map<Long, Table> byOid = new LinkedHashMap<>();
        List<long[]> found = new ArrayList<>();
        Map<Long, Object[]> raw = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(TABLES); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                raw.put(rs.getLong(1), new Object[] { rs.getString(2), rs.getBoolean(3), rs.getBoolean(4) });
            }
        }
        for (Map.Entry<Long, Object[]> e : raw.entrySet()) {
            List<Column> cols = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(COLUMNS)) {
                st.setLong(1, e.getKey());
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        String comment = rs.getString(4);
                        cols.add(new Column(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3),
                                comment.startsWith("onebase:secret"), comment.startsWith("onebase:large-object"), rs.getBoolean(5)));
                    }
                }
            }
            List<String> pk = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(PRIMARY_KEY)) {
                st.setLong(1, e.getKey());
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        pk.add(rs.getString(1));
                    }
                }
            }
            Object[] r = e.getValue();
            byOid.put(e.getKey(), new Table((String) r[0], (Boolean) r[1], (Boolean) r[2], List.copyOf(cols), List.copyOf(pk)));
        }
        Map<Long, Set<Long>> parents = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement(REFERENCES); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                if (byOid.containsKey(rs.getLong(1)) && byOid.containsKey(rs.getLong(2))) {
                    parents.computeIfAbsent(rs.getLong(1), k -> new LinkedHashSet<>()).add(rs.getLong(2));
                }
            }
        }
        // parents first; tenants before everything (every table refers to it)
        List<Table> ordered = new ArrayList<>();
        Set<Long> placed = new LinkedHashSet<>();
        byOid.entrySet().stream().filter(e -> e.getValue().name().equals(TENANTS)).findFirst().ifPresent(e -> {
            ordered.add(e.getValue());
            placed.add(e.getKey());
        });
        while (placed.size() < byOid.size()) {
            boolean progress = false;
            for (Map.Entry<Long, Table> e : byOid.entrySet()) {
                if (!placed.contains(e.getKey()) && placed.containsAll(parents.getOrDefault(e.getKey(), Set.of()))) {
                    ordered.add(e.getValue());
                    placed.add(e.getKey());
                    progress = true;
                }
            }
            if (!progress) {
                throw new SQLException("the tenant tables' foreign keys form a cycle: " + byOid.values());
            }
        }
        return new TenantTables(schemaVersion(c), List.copyOf(ordered));
    }

    /** The schema's migration version (Flyway's newest applied version), through {@code onebase_schema_version()}. */
    public static String schemaVersion(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("select onebase_schema_version()"); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    public Table table(String name) {
        return tables.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }
}
