package dev.onebase.web;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Sends bytes no HTTP client library would send, and reads what comes back until the server closes or goes quiet. */
final class RawHttp {

    private RawHttp() {
    }

    static String exchange(int port, String request) throws Exception {
        try (Socket s = new Socket("localhost", port)) {
            s.setSoTimeout(3000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0;) {
                    out.write(buf, 0, n);
                    if (complete(out.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // what arrived is the answer
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static boolean complete(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = text.substring(0, end).toLowerCase(java.util.Locale.ROOT);
        int i = head.indexOf("content-length:");
        if (i < 0) {
            return head.contains("transfer-encoding") ? text.endsWith("0\r\n\r\n") : true;
        }
        int eol = head.indexOf("\r\n", i);
        long length = Long.parseLong(head.substring(i + 15, eol < 0 ? head.length() : eol).trim());
        return text.length() - end - 4 >= length;
    }
}
