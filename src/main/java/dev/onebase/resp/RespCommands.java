package dev.onebase.resp;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * The table of commands and the one way a command runs: known, with its arity, authenticated when it must be, and
 * for keyspace commands through the {@link RespGate} (key, scope, request limit) with the tenant it names.
 */
@ApplicationScoped
class RespCommands {

    private final Map<String, Command> table = new TreeMap<>();
    private final Map<String, Command> byName = new java.util.HashMap<>();
    private final RespGate gate;
    private final StringCommands strings;
    private final Command get;

    RespCommands(RespGate gate, ConnectionCommands connection, StringCommands strings, KeyCommands keys, HashCommands hashes,
            TransactionCommands transactions) {
        this.gate = gate;
        this.strings = strings;
        connection.register(this);
        strings.register(this);
        keys.register(this);
        hashes.register(this);
        transactions.register(this);
        this.get = byName.get("get");
    }

    /**
     * The hottest command, GET, run without a Uni when it can be (authenticated, outside MULTI, admitted from memory):
     * {@code answer} gets the reply, on the event loop, and true is returned; false: nothing was done or counted, run
     * it with {@link #execute}. Same checks and same statement as the Uni path, minus its operators per GET.
     */
    boolean runNow(RespClient client, Command command, List<byte[]> args, java.util.function.Consumer<Reply> answer) {
        if (command != get || args.size() != 2 || client.queued != null || !client.authenticated()) {
            return false;
        }
        String key;
        try {
            RespGate.Admitted ok = gate.admitNow(client, command);
            if (ok == null) {
                return false;
            }
            key = new Call(client, args, ok.tenant(), ok.plan()).key(1);
            strings.getNow(ok.tenant(), key, answer);
        } catch (RuntimeException e) {
            answer.accept(RespErrors.reply(e));
        }
        return true;
    }

    void add(String name, int arity, Command.Kind kind, Command.Handler handler) {
        Command command = new Command(name, arity, kind, handler);
        table.put(name, command);
        byName.put(name, command);
    }

    Collection<Command> all() {
        return table.values();
    }

    Command find(byte[] name) {
        if (name.length > 32) {
            return null;
        }
        // the hot path (every command): ASCII lower case in one pass and a hash lookup; other bytes never name a command
        char[] lower = new char[name.length];
        for (int i = 0; i < name.length; i++) {
            int b = name[i];
            if (b < 0) {
                return null;
            }
            lower[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        return byName.get(new String(lower));
    }

    Uni<Reply> execute(RespClient client, Command command, List<byte[]> args) {
        try {
            if (client.queued != null && (command == null || !TRANSACTION_CONTROL.contains(command.name))) {
                return Call.reply(queue(client, command, args));
            }
            if (command == null) {
                return Call.reply(unknown(args));
            }
            if (!command.arityFits(args.size())) {
                return Call.reply(Reply.error("ERR wrong number of arguments for '" + command.name + "' command"));
            }
            if (command.kind != Command.Kind.CONNECTION && !client.authenticated()) {
                return Call.reply(Reply.error("NOAUTH Authentication required."));
            }
            if (!command.touchesKeys()) {
                return command.handler.run(new Call(client, args, null, null));
            }
            RespGate.Admitted now = client.admitting == 0 ? gate.admitNow(client, command) : null;
            if (now != null) {
                return command.handler.run(new Call(client, args, now.tenant(), now.plan()));
            }
            return admitInOrder(client, command).flatMap(ok -> command.handler.run(new Call(client, args, ok.tenant(), ok.plan())));
        } catch (RuntimeException e) {
            return Call.reply(RespErrors.reply(e));
        }
    }

    /**
     * The gate's answer through the database, after the connection's earlier commands that went that way, and on the
     * connection's event loop: a connection's commands reach their statements (and the batcher) in the order they were
     * sent. Without it, of a pipelined INCR, INCR, INCR whose first two waited for a new request-limit lease, the third,
     * admitted from memory, ran first. While one waits, the connection's later commands take this path too.
     */
    private Uni<RespGate.Admitted> admitInOrder(RespClient client, Command command) {
        io.vertx.core.Context ctx = io.vertx.core.Vertx.currentContext();
        Uni<RespGate.Admitted> before = client.admissions;
        Uni<RespGate.Admitted> admit = before == null ? gate.admit(client, command)
                : before.onItemOrFailure().transformToUni((x, f) -> gate.admit(client, command));
        if (ctx != null) {
            admit = admit.emitOn(task -> ctx.runOnContext(v -> task.run()));
        }
        Uni<RespGate.Admitted> mine = admit.onTermination().invoke(() -> {
            if (--client.admitting == 0) {
                client.admissions = null;
            }
        }).memoize().indefinitely();
        client.admitting++;
        client.admissions = mine;
        return mine;
    }

    /** What runs at once inside MULTI; everything else is queued for EXEC. */
    private static final java.util.Set<String> TRANSACTION_CONTROL = java.util.Set.of("exec", "discard", "multi", "watch", "quit", "reset");

    /** Inside MULTI: a command checked and queued (QUEUED), or refused, which makes EXEC answer EXECABORT. */
    private static Reply queue(RespClient client, Command command, List<byte[]> args) {
        Reply refused = null;
        if (command == null) {
            refused = unknown(args);
        } else if (!command.arityFits(args.size())) {
            refused = Reply.error("ERR wrong number of arguments for '" + command.name + "' command");
        } else if (command.kind != Command.Kind.CONNECTION && !client.authenticated()) {
            refused = Reply.error("NOAUTH Authentication required.");
        }
        if (refused != null) {
            client.queueFailed = true;
            return refused;
        }
        client.queued.add(new TransactionCommands.Queued(command, args));
        return QUEUED;
    }

    private static final Reply QUEUED = Reply.simple("QUEUED");

    /** Redis's own text: the name and the first arguments, each quoted and cut at 128 characters. */
    private static Reply unknown(List<byte[]> args) {
        StringBuilder words = new StringBuilder();
        for (int i = 1; i < args.size() && words.length() < 128; i++) {
            words.append('\'').append(cut(args.get(i))).append("' ");
        }
        return Reply.error("ERR unknown command '" + cut(args.get(0)) + "', with args beginning with: " + words);
    }

    private static String cut(byte[] word) {
        String s = new String(word, StandardCharsets.UTF_8);
        return s.length() > 128 ? s.substring(0, 128) : s;
    }
}
