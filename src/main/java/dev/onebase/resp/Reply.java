package dev.onebase.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.vertx.core.buffer.Buffer;

/**
 * One answer, written in the protocol the connection speaks: RESP2, or RESP3 after {@code HELLO 3} (where a null is
 * {@code _}, and maps and sets have types of their own; in RESP2 they are flat arrays).
 */
abstract class Reply {

    static final Reply OK = simple("OK");
    static final Reply NULL = new Reply() {
        @Override
        void write(Buffer out, int protocol) {
            out.appendString(protocol == 3 ? "_\r\n" : "$-1\r\n");
        }
    };
    static final Reply NULL_ARRAY = new Reply() {
        @Override
        void write(Buffer out, int protocol) {
            out.appendString(protocol == 3 ? "_\r\n" : "*-1\r\n");
        }
    };
    static final Reply ZERO = integer(0);
    static final Reply ONE = integer(1);

    abstract void write(Buffer out, int protocol);

    static Reply simple(String text) {
        return line('+', text);
    }

    /** An error: the text starts with its code (ERR, WRONGTYPE, NOAUTH, ...). */
    static Reply error(String text) {
        return line('-', text.replace('\r', ' ').replace('\n', ' '));
    }

    static Reply integer(long n) {
        return line(':', Long.toString(n));
    }

    static Reply bool(boolean b) {
        return b ? ONE : ZERO;
    }

    static Reply bulk(byte[] bytes) {
        if (bytes == null) {
            return NULL;
        }
        return new Reply() {
            @Override
            void write(Buffer out, int protocol) {
                out.appendByte((byte) '$').appendString(Integer.toString(bytes.length)).appendString("\r\n").appendBytes(bytes).appendString("\r\n");
            }
        };
    }

    static Reply bulk(String text) {
        return text == null ? NULL : bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    static Reply array(List<Reply> items) {
        return aggregate('*', '*', items, 1);
    }

    /** Key, value, key, value...: a map in RESP3, a flat array in RESP2. */
    static Reply map(List<Reply> keysAndValues) {
        return aggregate('%', '*', keysAndValues, 2);
    }

    static Reply bulks(List<String> texts) {
        return array(texts.stream().map(Reply::bulk).toList());
    }

    private static Reply line(char type, String text) {
        return new Reply() {
            @Override
            void write(Buffer out, int protocol) {
                out.appendByte((byte) type).appendString(text).appendString("\r\n");
            }
        };
    }

    private static Reply aggregate(char resp3, char resp2, List<Reply> items, int perEntry) {
        return new Reply() {
            @Override
            void write(Buffer out, int protocol) {
                int n = protocol == 3 ? items.size() / perEntry : items.size();
                out.appendByte((byte) (protocol == 3 ? resp3 : resp2)).appendString(Integer.toString(n)).appendString("\r\n");
                for (Reply item : items) {
                    item.write(out, protocol);
                }
            }
        };
    }
}
