package dev.onebase.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.vertx.core.buffer.Buffer;

/**
 * Cuts the bytes a client sends into commands: RESP arrays of bulk strings (what every client sends), or inline
 * commands (a line of words, as typed into telnet). Whatever is incomplete waits for the next bytes. Until the
 * connection is authenticated, commands are kept small, as Redis does, so that no one can make the server buffer
 * much before showing a key.
 */
final class RespParser {

    static final int MAX_ARGS = 1024 * 1024;
    static final int MAX_BULK = 512 * 1024 * 1024;
    private static final int UNAUTHENTICATED_ARGS = 10;
    private static final int UNAUTHENTICATED_BULK = 16 * 1024;
    private static final int MAX_INLINE = 64 * 1024;

    /** A stream that cannot be RESP: the connection is answered with the error and closed. */
    static final class ProtocolError extends RuntimeException {
        ProtocolError(String message) {
            super("ERR Protocol error: " + message, null, false, false);
        }
    }

    private Buffer pending = Buffer.buffer();
    private int position;
    private boolean authSent;

    /** The complete commands in what has arrived so far, in order. */
    List<List<byte[]>> feed(Buffer data, boolean authenticated) {
        pending.appendBuffer(data);
        List<List<byte[]>> commands = new ArrayList<>();
        while (position < pending.length()) {
            int start = position;
            List<byte[]> command = pending.getByte(position) == '*' ? array(authenticated || authSent) : inline();
            if (command == null) {
                position = start;
                break;
            }
            if (!command.isEmpty()) {
                commands.add(command);
                // Redis runs a pipelined AUTH before it parses the next command; here the whole read is parsed
                // first, so the commands after an AUTH (or HELLO) get the limits of an authenticated connection
                if (!authenticated && !authSent) {
                    String name = new String(command.get(0), java.nio.charset.StandardCharsets.US_ASCII);
                    authSent = name.equalsIgnoreCase("auth") || name.equalsIgnoreCase("hello");
                }
            }
        }
        if (position == pending.length()) {
            pending = Buffer.buffer();
            position = 0;
        } else if (position > 64 * 1024) {
            pending = pending.getBuffer(position, pending.length());
            position = 0;
        }
        return commands;
    }

    private List<byte[]> array(boolean authenticated) {
        int lineEnd = lineEnd(position + 1);
        if (lineEnd < 0) {
            tooLongLine(position);
            return null;
        }
        long n = number(position + 1, lineEnd, "invalid multibulk length");
        if (!authenticated && n > UNAUTHENTICATED_ARGS) {
            throw new ProtocolError("unauthenticated multibulk length");
        }
        if (n > MAX_ARGS) {
            throw new ProtocolError("invalid multibulk length");
        }
        int at = lineEnd + 2;
        List<byte[]> args = new ArrayList<>((int) Math.max(0, n));
        for (long i = 0; i < n; i++) {
            if (at >= pending.length()) {
                return null;
            }
            if (pending.getByte(at) != '$') {
                throw new ProtocolError("expected '$', got '" + (char) pending.getByte(at) + "'");
            }
            int end = lineEnd(at + 1);
            if (end < 0) {
                tooLongLine(at);
                return null;
            }
            long len = number(at + 1, end, "invalid bulk length");
            if (!authenticated && len > UNAUTHENTICATED_BULK) {
                throw new ProtocolError("unauthenticated bulk length");
            }
            if (len < 0 || len > MAX_BULK) {
                throw new ProtocolError("invalid bulk length");
            }
            int dataStart = end + 2;
            if (pending.length() < dataStart + len + 2) {
                return null;
            }
            args.add(pending.getBytes(dataStart, dataStart + (int) len));
            at = dataStart + (int) len + 2;
        }
        position = at;
        return args;
    }

    private List<byte[]> inline() {
        int end = -1;
        for (int i = position; i < pending.length(); i++) {
            if (pending.getByte(i) == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            if (pending.length() - position > MAX_INLINE) {
                throw new ProtocolError("too big inline request");
            }
            return null;
        }
        String line = pending.getString(position, end, StandardCharsets.UTF_8.name()).strip();
        position = end + 1;
        List<byte[]> args = new ArrayList<>();
        for (String word : line.split("\\s+")) {
            if (!word.isEmpty()) {
                args.add(word.getBytes(StandardCharsets.UTF_8));
            }
        }
        return args;
    }

    private void tooLongLine(int from) {
        if (pending.length() - from > MAX_INLINE) {
            throw new ProtocolError("too big count line");
        }
    }

    /** The index of the CR of the CRLF ending the line that starts at from, or -1. */
    private int lineEnd(int from) {
        for (int i = from; i < pending.length() - 1; i++) {
            if (pending.getByte(i) == '\r' && pending.getByte(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private long number(int from, int to, String problem) {
        if (to == from || to - from > 12) {
            throw new ProtocolError(problem);
        }
        long n = 0;
        boolean negative = pending.getByte(from) == '-';
        for (int i = negative ? from + 1 : from; i < to; i++) {
            byte b = pending.getByte(i);
            if (b < '0' || b > '9') {
                throw new ProtocolError(problem);
            }
            n = n * 10 + (b - '0');
        }
        return negative ? -n : n;
    }
}
