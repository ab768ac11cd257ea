package dev.onebase.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The query parameters of every list route: page sizes ({@code limit}, {@code count}) and cursors. Anything malformed
 * is the client's mistake (400), never a 404 or a 500.
 */
public final class ListParams {

    private ListParams() {
    }

    /** A page size: a whole number from 1 to {@code max}. */
    public static int limit(String text, int max) {
        return pageSize("limit", text, max);
    }

    /** A page size under another name (the cache's SCAN calls it {@code count}). */
    public static int pageSize(String name, String text, int max) {
        int n;
        try {
            n = Integer.parseInt(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw ProblemException.badRequest(name + " must be a number");
        }
        if (n < 1 || n > max) {
            throw ProblemException.badRequest(name + " must be between 1 and " + max);
        }
        return n;
    }

    /** A numeric cursor (a row id the previous page ended at); null when absent. */
    public static Long idCursor(String name, String text, String what) {
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest(name + " must be " + what);
        }
    }

    /** The opaque form of a text cursor (a key or name the previous page ended at); null at the end. */
    public static String encodeCursor(String after) {
        return after == null ? null : Base64.getUrlEncoder().withoutPadding().encodeToString(after.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads back what {@link #encodeCursor} wrote; null when absent. */
    public static String decodeCursor(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor))).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw ProblemException.badRequest("cursor is not one this service returned");
        }
    }
}
