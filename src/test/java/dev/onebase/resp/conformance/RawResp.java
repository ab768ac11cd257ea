package dev.onebase.resp.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw RESP client for the conformance tests: it sends each command as an array of bulk strings and reads the reply
 * with its type kept (a status is not a bulk string, an integer is not the text of a number, an error is not thrown
 * away), so the tests check the replies exactly as Redis's own test suite sees them. Words and bulk replies are
 * ISO-8859-1 text: one char per byte, so binary values round-trip unchanged.
 */
final class RawResp implements AutoCloseable {

    /** A simple-string reply (+OK, +PONG, +QUEUED, +string for TYPE). */
    record Status(String text) {
    }

    /** An error reply: its whole text, code first (ERR, WRONGTYPE, ...). */
    record Error(String text) {
    }

    /** The type byte of the last reply read ('$', '_', '*', ...): how a nil was written, RESP2 or RESP3. */
    char lastType;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawResp(String host, int port) {
        try {
            socket = new Socket(host, port);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one command and reads its reply. */
    Object call(Object... words) {
        send(words);
        return read();
    }

    /** Sends several commands in one write (a pipeline) and reads their replies in order. */
    List<Object> pipeline(List<Object[]> commands) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Object[] c : commands) {
            all.writeBytes(encode(c));
        }
        writeRaw(all.toByteArray());
        List<Object> replies = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            replies.add(read());
        }
        return replies;
    }

    void send(Object... words) {
        writeRaw(encode(words));
    }

    void writeRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] encode(Object... words) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + words.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Object w : words) {
            byte[] bytes = w instanceof byte[] raw ? raw : String.valueOf(w).getBytes(StandardCharsets.ISO_8859_1);
            b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(bytes);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    /** One reply: Status, Error, Long, String (bulk), null (nil), List (array), Map (RESP3 map), Double, Boolean. */
    Object read() {
        try {
            int type = in.read();
            if (type < 0) {
                throw new IOException("connection closed");
            }
            lastType = (char) type;
            String line = line();
            return switch (type) {
                case '+' -> new Status(line);
                case '-' -> new Error(line);
                case ':' -> Long.parseLong(line);
                case '$' -> bulk(Integer.parseInt(line));
                case '*', '~' -> {
                    int n = Integer.parseInt(line);
                    if (n < 0) {
                        yield null;
                    }
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        items.add(read());
                    }
                    yield items;
                }
                case '%' -> {
                    Map<Object, Object> map = new LinkedHashMap<>();
                    int n = Integer.parseInt(line);
                    for (int i = 0; i < n; i++) {
                        map.put(read(), read());
                    }
                    yield map;
                }
                case '_' -> null;
                case ',' -> Double.parseDouble(line);
                case '#' -> line.equals("t");
                default -> throw new IOException("unexpected reply type " + (char) type + line);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String bulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (in.read() != '\r' || in.read() != '\n') {
            throw new IOException("a bulk string not ended by CRLF");
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed mid-line");
            }
            b.write(c);
        }
        if (in.read() != '\n') {
            throw new IOException("a line not ended by CRLF");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Whether the server closed the connection (reads end of stream within the timeout). */
    boolean closedByServer() {
        try {
            socket.setSoTimeout(5_000);
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    // --- typed calls: each asserts the reply's type, as the tcl suite's reply comparisons do --------------------

    void ok(Object... words) {
        assertEquals(new Status("OK"), call(words), () -> String.join(" ", strings(words)));
    }

    Status status(Object... words) {
        return assertInstanceOf(Status.class, call(words), () -> String.join(" ", strings(words)));
    }

    /** A bulk string or nil. */
    String str(Object... words) {
        Object r = call(words);
        if (r != null && !(r instanceof String)) {
            fail(String.join(" ", strings(words)) + ": expected a bulk string or nil, got " + r);
        }
        return (String) r;
    }

    long num(Object... words) {
        return assertInstanceOf(Long.class, call(words), () -> String.join(" ", strings(words)));
    }

    /** The error text; fails when the reply is not an error. */
    String err(Object... words) {
        return assertInstanceOf(Error.class, call(words), () -> String.join(" ", strings(words))).text();
    }

    @SuppressWarnings("unchecked")
    List<Object> list(Object... words) {
        Object r = call(words);
        assertTrue(r == null || r instanceof List, () -> String.join(" ", strings(words)) + ": expected an array, got " + r);
        return (List<Object>) r;
    }

    private static List<String> strings(Object... words) {
        List<String> s = new ArrayList<>();
        for (Object w : words) {
            String text = w instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(w);
            s.add(text.length() > 40 ? text.substring(0, 40) + "..." : text);
        }
        return s;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
