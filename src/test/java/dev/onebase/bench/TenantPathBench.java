package dev.onebase.bench;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.onebase.db.TenantTx;
import dev.onebase.testsupport.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What the tenant helper costs, measured through the service's own pool: the reference table and workload of
 * shared/reference/tenant-path (200k rows, 8 tenants, point reads by key, 8 clients), read four ways. Run it with
 * bench/tenant/run.sh; it is skipped in the normal test run.
 */
@QuarkusTest
@TestProfile(TenantPathBench.EightConnections.class)
@EnabledIfSystemProperty(named = "bench", matches = "true")
class TenantPathBench {

    public static class EightConnections implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.reactive.max-size", "8");
        }
    }

    private static final int CLIENTS = 8;
    private static final long SECONDS = Long.getLong("bench.seconds", 5);

    @Inject
    TenantTx tx;

    @Inject
    Pool pool;

    @Test
    void tenantScopedReads() throws Exception {
        createReferenceTables();
        try {
            String read = "select value from bench_cache where key = $1";
            Map<String, Supplier<Uni<Void>>> ways = new java.util.LinkedHashMap<>();
            ways.put("plain: unscoped read of a table without RLS", () -> pool
                    .preparedQuery("select value from bench_cache2 where tenant_id = $1 and key = $2").execute(Tuple.of(tenant(), key()))
                    .replaceWithVoid());
            ways.put("awaited: BEGIN, set_config, read, COMMIT one after another", () -> pool.withConnection(c -> c
                    .query("BEGIN").execute()
                    .flatMap(x -> c.preparedQuery("select set_config('app.tenant_id', $1, true)").execute(Tuple.of(tenant().toString())))
                    .flatMap(x -> c.preparedQuery(read).execute(Tuple.of(key())))
                    .flatMap(x -> c.query("COMMIT").execute())).replaceWithVoid());
            ways.put("TenantTx.run: BEGIN+set_config+read pipelined, then COMMIT", () -> tx
                    .run(tenant(), c -> c.preparedQuery(read).execute(Tuple.of(key()))).replaceWithVoid());
            ways.put("TenantTx.statement: all four in one round trip", () -> tx
                    .statement(tenant(), read, Tuple.of(key())).replaceWithVoid());
            ways.put("TenantTx.call: one function, one command", () -> tx
                    .call(tenant(), "select value from bench_get($1, $2)", Tuple.of(key())).replaceWithVoid());
            ways.put("TenantTx.callShared: the same on the pipelined client", () -> tx
                    .callShared(tenant(), "select value from bench_get($1, $2)", Tuple.of(key())).replaceWithVoid());
            for (var way : ways.entrySet()) {
                measure("warm-up " + way.getKey(), way.getValue(), 2);
            }
            // rounds interleave the ways so that a busy moment of the machine does not land on one of them only
            Map<String, Double> best = new java.util.LinkedHashMap<>();
            for (int round = 0; round < 3; round++) {
                for (var way : ways.entrySet()) {
                    best.merge(way.getKey(), measure(way.getKey(), way.getValue(), SECONDS), Math::max);
                }
            }
            double plain = best.values().iterator().next();
            System.out.println();
            best.forEach((name, rate) -> System.out.printf("RESULT %-62s %8.0f reads/s  ratio to plain %.2f%n", name, rate, rate / plain));
        } finally {
            try (Connection c = Db.owner(); Statement st = c.createStatement()) {
                st.execute("drop function if exists bench_get(uuid, text)");
                st.execute("drop table if exists bench_cache, bench_cache2");
            }
        }
    }

    private double measure(String name, Supplier<Uni<Void>> op, long seconds) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch finished = new CountDownLatch(CLIENTS);
        for (int i = 0; i < CLIENTS; i++) {
            loop(op, deadline, done, finished);
        }
        finished.await();
        double perSecond = done.get() / (double) seconds;
        System.out.printf("BENCH %-62s %10.0f reads/s%n", name, perSecond);
        return perSecond;
    }

    private static void loop(Supplier<Uni<Void>> op, long deadline, AtomicLong done, CountDownLatch finished) {
        if (System.nanoTime() >= deadline) {
            finished.countDown();
            return;
        }
        op.get().subscribe().with(x -> {
            done.incrementAndGet();
            loop(op, deadline, done, finished);
        }, e -> {
            e.printStackTrace();
            finished.countDown();
        });
    }

    private static UUID tenant() {
        return new UUID(0, ThreadLocalRandom.current().nextInt(8));
    }

    private static String key() {
        return "k" + (1 + ThreadLocalRandom.current().nextInt(200_000));
    }

    /** The reference workload: shared/reference/tenant-path/README.md. */
    private static void createReferenceTables() throws Exception {
        try (Connection c = Db.owner(); Statement st = c.createStatement()) {
            st.execute("drop function if exists bench_get(uuid, text)");
            st.execute("drop table if exists bench_cache, bench_cache2");
            st.execute("create unlogged table bench_cache (tenant_id uuid not null, key text not null, value bytea, primary key (tenant_id, key))");
            st.execute("""
                    insert into bench_cache select ('00000000-0000-0000-0000-00000000000' || (i % 8))::uuid, 'k' || i,
                           convert_to(repeat('v', 100), 'UTF8') from generate_series(1, 200000) i""");
            st.execute("create unlogged table bench_cache2 as select * from bench_cache");
            st.execute("alter table bench_cache2 add primary key (tenant_id, key)");
            st.execute("alter table bench_cache enable row level security");
            st.execute("alter table bench_cache force row level security");
            st.execute("create policy p on bench_cache using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))");
            st.execute("analyze bench_cache");
            st.execute("analyze bench_cache2");
            st.execute("""
                    create function bench_get(p_tenant uuid, p_key text) returns table (value bytea) language plpgsql as $$
                    begin
                        perform set_config('app.tenant_id', p_tenant::text, true);
                        return query select b.value from bench_cache b where b.key = p_key;
                    end $$""");
        }
    }
}
