package dev.onebase.resp;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import dev.onebase.cache.CacheRequests;
import dev.onebase.cache.CacheStore;
import io.smallrye.mutiny.Uni;

/** One command being run: its words, the connection it came on, and (for READ and WRITE commands) the tenant. */
final class Call {

    final RespClient client;
    final List<byte[]> args;
    final UUID tenant;
    final String plan;
    /** The store bound to the open transaction of EXEC, or null outside one. */
    final CacheStore inTransaction;

    Call(RespClient client, List<byte[]> args, UUID tenant, String plan) {
        this(client, args, tenant, plan, null);
    }

    Call(RespClient client, List<byte[]> args, UUID tenant, String plan, CacheStore inTransaction) {
        this.client = client;
        this.args = args;
        this.tenant = tenant;
        this.plan = plan;
        this.inTransaction = inTransaction;
    }

    boolean inTransaction() {
        return inTransaction != null;
    }

    /** The store the command's statements go to: the EXEC transaction's, or {@code shared} (each its own transaction). */
    CacheStore store(CacheStore shared) {
        return inTransaction != null ? inTransaction : shared;
    }

    int size() {
        return args.size();
    }

    /** The command's name, lower case, as Redis's error texts quote it. */
    String name() {
        return text(0).toLowerCase(Locale.ROOT);
    }

    byte[] bytes(int i) {
        return args.get(i);
    }

    String text(int i) {
        return new String(args.get(i), StandardCharsets.UTF_8);
    }

    /** A word as an option name: upper case. */
    String option(int i) {
        return text(i).toUpperCase(Locale.ROOT);
    }

    /** A key: UTF-8 text without NUL (the cache's keys are text, shared with HTTP); other bytes are refused, never altered. */
    String key(int i) {
        byte[] bytes = args.get(i);
        boolean ascii = true;
        for (byte b : bytes) {
            if (b <= 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            // the common case, without a decoder: printable and control ASCII but NUL (0) and every byte >= 0x80 (< 0)
            return new String(bytes, StandardCharsets.US_ASCII);
        }
        try {
            String key = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(args.get(i))).toString();
            if (key.indexOf('\0') >= 0) {
                throw RespError.err("onebase keys cannot contain NUL bytes");
            }
            return key;
        } catch (CharacterCodingException e) {
            throw RespError.err("onebase keys are UTF-8 text; this key is not");
        }
    }

    List<String> keys(int from) {
        return keys(from, 1);
    }

    List<String> keys(int from, int step) {
        java.util.ArrayList<String> keys = new java.util.ArrayList<>();
        for (int i = from; i < args.size(); i += step) {
            keys.add(key(i));
        }
        return keys;
    }

    long integer(int i) {
        Long n = CacheRequests.strictLong(text(i));
        if (n == null) {
            throw RespError.notInteger();
        }
        return n;
    }

    static Uni<Reply> reply(Reply r) {
        return Uni.createFrom().item(r);
    }
}
