package dev.onebase.resp;

import static dev.onebase.resp.Command.Kind.READ;
import static dev.onebase.resp.Command.Kind.SERVER;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.cache.CacheStore;
import io.smallrye.mutiny.Uni;

/**
 * MULTI/EXEC/DISCARD/WATCH/UNWATCH. Commands after MULTI are checked (known, arity) and queued; EXEC runs them in
 * ONE PostgreSQL transaction, so no other client, over RESP or HTTP, sees a part of it, and it commits or rolls back
 * as a whole. As in Redis, a command that fails while running (WRONGTYPE, not an integer, ...) answers its error in
 * EXEC's array and the others still take effect (a savepoint before each command undoes only the failed one), while
 * an error found while queuing discards the transaction (EXECABORT). WATCH records each key's row version; EXEC
 * locks the watched rows and answers nil, changing nothing, when any of them changed since (by anyone).
 */
@ApplicationScoped
class TransactionCommands {

    @io.quarkus.runtime.annotations.RegisterForReflection
    record Queued(Command command, List<byte[]> args) {
    }

    private final CacheStore store;
    private final RespGate gate;

    TransactionCommands(CacheStore store, RespGate gate) {
        this.store = store;
        this.gate = gate;
    }

    void register(RespCommands t) {
        t.add("multi", 1, SERVER, c -> {
            if (c.client.queued != null) {
                throw RespError.err("MULTI calls can not be nested");
            }
            c.client.queued = new ArrayList<>();
            c.client.queueFailed = false;
            return Call.reply(Reply.OK);
        });
        t.add("discard", 1, SERVER, c -> {
            if (c.client.queued == null) {
                throw RespError.err("DISCARD without MULTI");
            }
            c.client.endTransaction();
            return Call.reply(Reply.OK);
        });
        t.add("unwatch", 1, SERVER, c -> {
            c.client.watched = null;
            return Call.reply(Reply.OK);
        });
        t.add("watch", -2, READ, c -> {
            if (c.client.queued != null) {
                throw RespError.err("WATCH inside MULTI is not allowed");
            }
            List<String> keys = c.keys(1);
            return store.versions(c.tenant, keys).map(versions -> {
                if (c.client.watched == null) {
                    c.client.watched = new LinkedHashMap<>();
                }
                versions.forEach(c.client.watched::putIfAbsent);
                return Reply.OK;
            });
        });
        t.add("exec", 1, READ, c -> exec(c, t));
    }

    private Uni<Reply> exec(Call c, RespCommands table) {
        RespClient client = c.client;
        if (client.queued == null) {
            throw RespError.err("EXEC without MULTI");
        }
        List<Queued> queued = client.queued;
        boolean failed = client.queueFailed;
        Map<String, String> watched = client.watched;
        client.endTransaction();
        if (failed) {
            return Call.reply(Reply.error("EXECABORT Transaction discarded because of previous errors."));
        }
        UUID tenant = c.tenant;
        return store.inTransaction(tenant, tx -> {
            Uni<Boolean> unchanged = watched == null || watched.isEmpty() ? Uni.createFrom().item(true)
                    : tx.versions(tenant, new ArrayList<>(watched.keySet())).map(now -> now.equals(watched));
            return unchanged.flatMap(ok -> ok ? runAll(client, tx, queued, table).map(Reply::array) : Uni.createFrom().item(Reply.NULL_ARRAY));
        });
    }

    private Uni<List<Reply>> runAll(RespClient client, CacheStore tx, List<Queued> queued, RespCommands table) {
        List<Reply> replies = new ArrayList<>();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Queued q : queued) {
            chain = chain.flatMap(x -> runOne(client, tx, q, table)).invoke(replies::add).replaceWithVoid();
        }
        return chain.map(x -> replies);
    }

    private Uni<Reply> runOne(RespClient client, CacheStore tx, Queued q, RespCommands table) {
        Command command = q.command();
        if (!command.touchesKeys()) {
            return table.execute(client, command, q.args());
        }
        return gate.admit(client, command)
                .flatMap(ok -> tx.savepoint().flatMap(x -> Uni.createFrom().deferred(
                        () -> command.handler.run(new Call(client, q.args(), ok.tenant(), ok.plan(), tx)))
                        .onFailure().recoverWithUni(e -> tx.rollbackToSavepoint().replaceWith(RespErrors.reply(e)))))
                .onFailure().recoverWithItem(RespErrors::reply);
    }
}
