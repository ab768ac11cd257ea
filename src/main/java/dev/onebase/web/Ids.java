package dev.onebase.web;

import java.util.UUID;
import java.util.regex.Pattern;


/** Path ids are UUIDs; anything else is the client's mistake, not a 500. */
public final class Ids {

    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Ids() {
    }

    public static UUID parse(String text) {
        if (text == null || !UUID_TEXT.matcher(text).matches()) {
            throw ProblemException.badRequest("Not a valid UUID: " + (text == null ? "" : text.substring(0, Math.min(64, text.length()))));
        }
        return UUID.fromString(text);
    }
}
