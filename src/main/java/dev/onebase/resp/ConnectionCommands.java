package dev.onebase.resp;

import static dev.onebase.resp.Command.Kind.CONNECTION;
import static dev.onebase.resp.Command.Kind.READ;
import static dev.onebase.resp.Command.Kind.SERVER;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import dev.onebase.cache.CacheStore;
import io.smallrye.mutiny.Uni;

/**
 * The connection and server commands: what clients send on connect (HELLO, AUTH, CLIENT SETINFO, SELECT 0, COMMAND
 * DOCS, CONFIG GET) and the small server ones (PING, ECHO, INFO, TIME, DBSIZE, QUIT, RESET).
 */
@ApplicationScoped
class ConnectionCommands {

    static final String REDIS_VERSION = "7.2.4";
    private static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    private static final long STARTED = System.currentTimeMillis();

    private final RespGate gate;
    private final CacheStore store;
    private final RespConfig config;
    private RespCommands table;

    ConnectionCommands(RespGate gate, CacheStore store, RespConfig config) {
        this.gate = gate;
        this.store = store;
        this.config = config;
    }

    void register(RespCommands t) {
        this.table = t;
        t.add("ping", -1, CONNECTION, this::ping);
        t.add("echo", 2, SERVER, c -> Call.reply(Reply.bulk(c.bytes(1))));
        t.add("auth", -2, CONNECTION, this::auth);
        t.add("hello", -1, CONNECTION, this::hello);
        t.add("quit", -1, CONNECTION, c -> {
            c.client.closing = true;
            return Call.reply(Reply.OK);
        });
        t.add("reset", 1, CONNECTION, c -> {
            c.client.reset();
            return Call.reply(Reply.simple("RESET"));
        });
        t.add("select", 2, SERVER, c -> Call.reply(c.integer(1) == 0 ? Reply.OK : Reply.error("ERR DB index is out of range")));
        t.add("client", -2, SERVER, this::client);
        t.add("command", -1, SERVER, this::command);
        t.add("config", -2, SERVER, this::config);
        t.add("info", -1, SERVER, c -> Call.reply(Reply.bulk(info(c))));
        t.add("time", 1, SERVER, c -> {
            long micros = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
            return Call.reply(Reply.bulks(List.of(Long.toString(micros / 1_000_000), Long.toString(micros % 1_000_000))));
        });
        t.add("dbsize", 1, READ, c -> c.store(store).size(c.tenant).map(Reply::integer));
    }

    private Uni<Reply> ping(Call c) {
        if (c.size() > 2) {
            throw RespError.wrongArity("ping");
        }
        return Call.reply(c.size() == 2 ? Reply.bulk(c.bytes(1)) : Reply.simple("PONG"));
    }

    /** AUTH key, or AUTH user key (the user name is not checked: the API key names the tenant and its scopes). */
    private Uni<Reply> auth(Call c) {
        if (c.size() > 3) {
            throw RespError.syntax();
        }
        String key = c.text(c.size() - 1);
        return gate.valid(key).map(ok -> {
            if (!ok) {
                return Reply.error(WRONGPASS);
            }
            c.client.apiKey = key;
            return Reply.OK;
        });
    }

    /** HELLO [2|3 [AUTH user key] [SETNAME name]]: the protocol, and the server's description as a map. */
    private Uni<Reply> hello(Call c) {
        int protocol = c.client.protocol;
        String authKey = null;
        String name = null;
        if (c.size() > 1) {
            Long version = dev.onebase.cache.CacheRequests.strictLong(c.text(1));
            if (version == null) {
                return Call.reply(Reply.error("ERR Protocol version is not an integer or out of range"));
            }
            if (version != 2 && version != 3) {
                return Call.reply(Reply.error("NOPROTO unsupported protocol version"));
            }
            protocol = version.intValue();
            for (int i = 2; i < c.size(); i++) {
                String option = c.option(i);
                if (option.equals("AUTH") && i + 2 < c.size()) {
                    authKey = c.text(i + 2);
                    i += 2;
                } else if (option.equals("SETNAME") && i + 1 < c.size()) {
                    name = c.text(++i);
                } else {
                    return Call.reply(Reply.error("ERR Syntax error in HELLO option '" + c.text(i) + "'"));
                }
            }
        }
        if (authKey == null && !c.client.authenticated()) {
            return Call.reply(Reply.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
                    + "AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
        }
        int chosen = protocol;
        String chosenName = name;
        String key = authKey;
        Uni<Boolean> authenticated = key == null ? Uni.createFrom().item(true) : gate.valid(key);
        return authenticated.map(ok -> {
            if (!ok) {
                return Reply.error(WRONGPASS);
            }
            if (key != null) {
                c.client.apiKey = key;
            }
            c.client.protocol = chosen;
            if (chosenName != null) {
                c.client.name = chosenName;
            }
            return Reply.map(List.of(
                    Reply.bulk("server"), Reply.bulk("redis"),
                    Reply.bulk("version"), Reply.bulk(REDIS_VERSION),
                    Reply.bulk("proto"), Reply.integer(chosen),
                    Reply.bulk("id"), Reply.integer(c.client.id),
                    Reply.bulk("mode"), Reply.bulk("standalone"),
                    Reply.bulk("role"), Reply.bulk("master"),
                    Reply.bulk("modules"), Reply.array(List.of())));
        });
    }

    private Uni<Reply> client(Call c) {
        String sub = c.option(1);
        RespClient client = c.client;
        Reply reply = switch (sub) {
            case "ID" -> Reply.integer(client.id);
            case "GETNAME" -> Reply.bulk(client.name);
            case "SETNAME" -> {
                requireWords(c, 3);
                String name = c.text(2);
                if (name.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
                    yield Reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
                }
                client.name = name.isEmpty() ? null : name;
                yield Reply.OK;
            }
            case "SETINFO" -> {
                requireWords(c, 4);
                String attr = c.option(2);
                if (attr.equals("LIB-NAME")) {
                    client.libName = c.text(3);
                } else if (attr.equals("LIB-VER")) {
                    client.libVersion = c.text(3);
                } else {
                    yield Reply.error("ERR Unrecognized option '" + c.text(2) + "'");
                }
                yield Reply.OK;
            }
            case "INFO" -> Reply.bulk(client.info() + "\n");
            case "LIST" -> Reply.bulk(client.info() + "\n");
            case "NO-EVICT", "NO-TOUCH", "REPLY" -> Reply.OK;
            default -> Reply.error("ERR unknown subcommand '" + c.text(1) + "'. Try CLIENT HELP.");
        };
        return Call.reply(reply);
    }

    private static void requireWords(Call c, int n) {
        if (c.size() != n) {
            throw RespError.err("unknown subcommand or wrong number of arguments for '" + c.text(1) + "'. Try CLIENT HELP.");
        }
    }

    /** COMMAND, COMMAND COUNT, COMMAND INFO, COMMAND DOCS: enough for redis-cli and the clients that ask. */
    private Uni<Reply> command(Call c) {
        if (c.size() == 1) {
            return Call.reply(Reply.array(table.all().stream().map(ConnectionCommands::describe).toList()));
        }
        return Call.reply(switch (c.option(1)) {
            case "COUNT" -> Reply.integer(table.all().size());
            case "INFO" -> {
                List<Reply> infos = new ArrayList<>();
                for (int i = 2; i < c.size(); i++) {
                    Command cmd = table.find(c.bytes(i));
                    infos.add(cmd == null ? Reply.NULL_ARRAY : describe(cmd));
                }
                yield Reply.array(infos);
            }
            case "DOCS" -> Reply.map(List.of());
            case "LIST" -> Reply.bulks(table.all().stream().map(cmd -> cmd.name).toList());
            default -> Reply.error("ERR unknown subcommand '" + c.text(1) + "'. Try COMMAND HELP.");
        });
    }

    private static Reply describe(Command cmd) {
        List<Reply> flags = new ArrayList<>();
        switch (cmd.kind) {
            case READ -> flags.add(Reply.simple("readonly"));
            case WRITE -> flags.add(Reply.simple("write"));
            default -> flags.add(Reply.simple("fast"));
        }
        int firstKey = cmd.touchesKeys() && !cmd.name.equals("dbsize") && !cmd.name.startsWith("flush") && !cmd.name.equals("scan")
                && !cmd.name.equals("keys") ? 1 : 0;
        return Reply.array(List.of(Reply.bulk(cmd.name), Reply.integer(cmd.arity), Reply.array(flags), Reply.integer(firstKey),
                Reply.integer(firstKey), Reply.integer(firstKey)));
    }

    /** CONFIG GET answers nothing (nothing is configurable over RESP); benchmark tools ask for save/appendonly. */
    private Uni<Reply> config(Call c) {
        return Call.reply(switch (c.option(1)) {
            case "GET" -> Reply.map(List.of());
            case "RESETSTAT" -> Reply.OK;
            default -> Reply.error("ERR CONFIG " + c.text(1).toUpperCase(Locale.ROOT) + " is not supported by onebase");
        });
    }

    private String info(Call c) {
        String section = c.size() > 1 ? c.text(1).toLowerCase(Locale.ROOT) : "default";
        boolean all = section.equals("default") || section.equals("all") || section.equals("everything");
        StringBuilder sb = new StringBuilder();
        if (all || section.equals("server")) {
            sb.append("# Server\r\nredis_version:").append(REDIS_VERSION).append("\r\nredis_mode:standalone\r\nos:onebase\r\n")
                    .append("arch_bits:64\r\nprocess_id:").append(ProcessHandle.current().pid()).append("\r\ntcp_port:").append(config.port())
                    .append("\r\nuptime_in_seconds:").append((System.currentTimeMillis() - STARTED) / 1000).append("\r\n\r\n");
        }
        if (all || section.equals("clients")) {
            sb.append("# Clients\r\nconnected_clients:1\r\n\r\n");
        }
        if (all || section.equals("memory")) {
            sb.append("# Memory\r\nused_memory:0\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n\r\n");
        }
        if (all || section.equals("persistence")) {
            sb.append("# Persistence\r\nloading:0\r\n\r\n");
        }
        if (all || section.equals("replication")) {
            sb.append("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n");
        }
        if (all || section.equals("keyspace")) {
            sb.append("# Keyspace\r\n\r\n");
        }
        return sb.toString();
    }
}
