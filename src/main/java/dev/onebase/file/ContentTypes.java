package dev.onebase.file;

import java.util.Locale;
import java.util.regex.Pattern;

import dev.onebase.web.ProblemException;

/** Declared content types, checked against the first bytes for the image types onebase can recognise. */
public final class ContentTypes {

    public static final String OCTETS = "application/octet-stream";
    public static final String PNG = "image/png";
    public static final String JPEG = "image/jpeg";
    public static final String GIF = "image/gif";
    public static final String WEBP = "image/webp";
    /** How many leading bytes {@link #sniff} needs. */
    public static final int HEAD = 16;

    private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\\s*;[\\x20-\\x7e]*)?");

    private ContentTypes() {
    }

    /** The declared type, normalised; null or blank means "work it out from the bytes". */
    public static String declared(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String t = header.trim();
        int semi = t.indexOf(';');
        String base = (semi < 0 ? t : t.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        String rest = semi < 0 ? "" : t.substring(semi);
        String value = base + rest;
        if (value.length() > 255 || !TYPE.matcher(value).matches()) {
            throw ProblemException.badRequest("The content type is malformed");
        }
        return base.equals("image/jpg") || base.equals("image/pjpeg") ? JPEG + rest : value;
    }

    public static String base(String type) {
        int semi = type.indexOf(';');
        return (semi < 0 ? type : type.substring(0, semi)).trim();
    }

    /** The image type the leading bytes announce, or null. */
    public static String sniff(byte[] head, int len) {
        if (len >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
                && head[4] == 0x0d && head[5] == 0x0a && head[6] == 0x1a && head[7] == 0x0a) {
            return PNG;
        }
        if (len >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8 && (head[2] & 0xff) == 0xff) {
            return JPEG;
        }
        if (len >= 6 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F' && head[3] == '8' && (head[4] == '7' || head[4] == '9') && head[5] == 'a') {
            return GIF;
        }
        if (len >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F' && head[8] == 'W' && head[9] == 'E'
                && head[10] == 'B' && head[11] == 'P') {
            return WEBP;
        }
        return null;
    }

    /**
     * The type to store: the declared one when the bytes do not contradict it. A declared PNG/JPEG/GIF/WebP must
     * start like one; an undeclared or generic type becomes the sniffed image type when there is one.
     */
    public static String resolve(String declared, byte[] head, int len) {
        String sniffed = sniff(head, len);
        if (declared == null || base(declared).equals(OCTETS)) {
            return sniffed != null ? sniffed : declared == null ? OCTETS : declared;
        }
        String base = base(declared);
        boolean checkable = base.equals(PNG) || base.equals(JPEG) || base.equals(GIF) || base.equals(WEBP);
        if (checkable && !base.equals(sniffed)) {
            throw ProblemException.unprocessable("The content does not start like " + base
                    + (sniffed == null ? "" : " (it looks like " + sniffed + ")"));
        }
        return declared;
    }

    /** Types a browser may show inline from the API origin; everything else downloads as an attachment. */
    public static boolean inlineSafe(String type) {
        String b = base(type);
        return b.equals(PNG) || b.equals(JPEG) || b.equals(GIF) || b.equals(WEBP) || b.equals("text/plain") || b.equals("application/pdf");
    }
}
