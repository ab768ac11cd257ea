package dev.onebase.resp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * One client connection, on the event loop that accepted it. Commands are answered in the order they arrived.
 * Reads that arrive together start together (the GETs of a tenant become one statement, see CacheBatcher), and so do
 * plain SETs; any other command starts once everything before it has been answered, so a pipeline behaves as if run
 * one by one.
 * Answers are written as soon as they are next in line, several at once when they are ready together.
 */
final class RespConnection {

    private static final class Pending {
        final List<byte[]> args;
        final Command command;
        Reply reply;
        boolean started;

        Pending(List<byte[]> args, Command command) {
            this.args = args;
            this.command = command;
        }

        /**
         * Commands of one group may run together when they are next in line: reads (1), plain SETs (2: one
         * statement per batch, the last write of a key kept, so their order is kept), and INCR/DECR/INCRBY/DECRBY (3:
         * one statement per batch that applies them in order). 0: runs alone.
         */
        int group() {
            if (command == null) {
                return 0;
            }
            if (command.kind == Command.Kind.READ) {
                return command.name.equals("exec") || command.name.equals("watch") ? 0 : 1;
            }
            return switch (command.name) {
                case "set" -> args.size() == 3 ? 2 : 0;
                case "incr", "decr" -> args.size() == 2 ? 3 : 0;
                case "incrby", "decrby" -> args.size() == 3 ? 3 : 0;
                default -> 0;
            };
        }
    }

    private final NetSocket socket;
    private final Context context;
    private final RespCommands commands;
    private final int maxPipeline;
    private final RespParser parser = new RespParser();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    final RespClient client;
    private boolean paused;
    private boolean pumping;
    private boolean pumpAgain;

    RespConnection(NetSocket socket, RespCommands commands, int maxPipeline) {
        this.socket = socket;
        this.context = Vertx.currentContext();
        this.commands = commands;
        this.maxPipeline = maxPipeline;
        this.client = new RespClient(String.valueOf(socket.remoteAddress()));
    }

    void start() {
        socket.handler(this::received);
        socket.exceptionHandler(e -> socket.close());
    }

    private void received(Buffer data) {
        if (client.closing) {
            return;
        }
        List<List<byte[]>> parsed;
        try {
            parsed = parser.feed(data, client.authenticated());
        } catch (RespParser.ProtocolError e) {
            client.closing = true;
            Buffer out = Buffer.buffer();
            Reply.error(e.getMessage()).write(out, client.protocol);
            socket.end(out);
            return;
        }
        for (List<byte[]> args : parsed) {
            queue.add(new Pending(args, commands.find(args.get(0))));
        }
        if (queue.size() > maxPipeline && !paused) {
            paused = true;
            socket.pause();
        }
        pump();
    }

    /**
     * Starts what may start now: the commands at the front that share a group with the first, or the first alone. A
     * command answered at once calls back into {@link #done} and so into here: that nested call only asks for another
     * round, so the queue is never changed under a running iteration and the stack does not grow with the pipeline.
     */
    private void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                startReady();
            } while (pumpAgain);
        } finally {
            pumping = false;
        }
    }

    private void startReady() {
        Pending first = queue.peekFirst();
        if (first == null) {
            return;
        }
        int group = first.group();
        List<Pending> ready = new ArrayList<>();
        if (group == 0) {
            if (!first.started) {
                ready.add(first);
            }
        } else {
            for (Pending p : queue) {
                if (p.group() != group) {
                    break;
                }
                if (!p.started) {
                    ready.add(p);
                }
            }
        }
        ready.forEach(p -> p.started = true);
        for (Pending p : ready) {
            if (client.closing) {
                return;
            }
            run(p);
        }
    }

    private void run(Pending p) {
        if (commands.runNow(client, p.command, p.args, reply -> onContext(() -> done(p, reply)))) {
            return;
        }
        commands.execute(client, p.command, p.args).subscribe().with(
                reply -> onContext(() -> done(p, reply)),
                failure -> onContext(() -> done(p, RespErrors.reply(failure))));
    }

    private void onContext(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    private void done(Pending p, Reply reply) {
        p.reply = reply;
        Buffer out = null;
        while (!queue.isEmpty() && queue.peekFirst().reply != null) {
            Pending head = queue.pollFirst();
            if (out == null) {
                out = Buffer.buffer();
            }
            head.reply.write(out, client.protocol);
        }
        if (out != null) {
            if (client.closing) {
                socket.end(out);
                queue.clear();
                return;
            }
            socket.write(out);
        }
        if (paused && queue.size() < maxPipeline / 4) {
            paused = false;
            socket.resume();
        }
        pump();
    }
}
