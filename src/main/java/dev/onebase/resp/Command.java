package dev.onebase.resp;

import io.smallrye.mutiny.Uni;

/**
 * A command the server knows: its name, Redis's arity (n: exactly n words with the name; -n: at least n) and kind.
 * CONNECTION commands work before AUTH; SERVER ones need AUTH but no tenant data; READ and WRITE ones run on the
 * tenant's keyspace with the key's read or write scope, and each counts as one request against the tenant's limit.
 * Reads that arrive together run together; anything else waits for what came before it.
 */
final class Command {

    enum Kind {
        CONNECTION, SERVER, READ, WRITE
    }

    interface Handler {
        Uni<Reply> run(Call call);
    }

    final String name;
    final int arity;
    final Kind kind;
    final Handler handler;

    Command(String name, int arity, Kind kind, Handler handler) {
        this.name = name;
        this.arity = arity;
        this.kind = kind;
        this.handler = handler;
    }

    boolean arityFits(int words) {
        return arity >= 0 ? words == arity : words >= -arity;
    }

    boolean touchesKeys() {
        return kind == Kind.READ || kind == Kind.WRITE;
    }
}
