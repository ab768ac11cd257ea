package dev.onebase.s3;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Writes S3's XML answers (small, flat documents: a string builder is all they need). */
final class Xml {

    static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

    private final StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

    Xml open(String tag) {
        out.append('<').append(tag).append('>');
        return this;
    }

    Xml root(String tag) {
        out.append('<').append(tag).append(" xmlns=\"").append(NS).append("\">");
        return this;
    }

    Xml close(String tag) {
        out.append("</").append(tag).append('>');
        return this;
    }

    Xml el(String tag, Object value) {
        if (value != null) {
            out.append('<').append(tag).append('>').append(escape(value.toString())).append("</").append(tag).append('>');
        }
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    static String time(OffsetDateTime t) {
        return t == null ? null : ISO.format(t.withOffsetSameInstant(ZoneOffset.UTC));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        b.append("&#").append((int) c).append(';');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    static String error(S3Error e, String resource, String requestId) {
        return new Xml().open("Error").el("Code", e.code()).el("Message", e.getMessage()).el("Resource", resource)
                .el("RequestId", requestId).close("Error").toString();
    }
}
