package dev.onebase.file;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import dev.onebase.web.ProblemException;

/**
 * File paths are {@code folder/…/name}: segments of 1-255 characters, no empty, {@code .} or {@code ..} segment, no
 * control characters or backslashes, at most 1024 characters in all. A folder is stored as {@code ""} (the root) or
 * {@code "a/b/"}, so a prefix match on it never confuses {@code a/} with {@code ab/}.
 */
public final class FilePaths {

    public static final int MAX_PATH = 1024;
    public static final int MAX_SEGMENT = 255;

    private FilePaths() {
    }

    /** A validated file path. */
    public record FilePath(String folder, String name) {
        public String path() {
            return folder + name;
        }
    }

    /** Percent-decodes a raw URL path tail (a '+' stays a '+'). */
    public static String decode(String raw) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("The path is not valid percent-encoding");
        }
    }

    public static FilePath file(String path) {
        if (path == null || path.isEmpty()) {
            throw ProblemException.badRequest("A file path is required");
        }
        if (path.contains("//")) {
            throw ProblemException.badRequest("The path has an empty segment: '" + printable(path) + "'");
        }
        String folder = folder(path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "");
        String name = path.substring(path.lastIndexOf('/') + 1);
        segment(name, path);
        if (folder.length() + name.length() > MAX_PATH) {
            throw ProblemException.badRequest("A path is limited to " + MAX_PATH + " characters");
        }
        return new FilePath(folder, name);
    }

    /** A folder as given by a client ("", "/", "a/b", "a/b/", "/a/b") in its stored form ("" or "a/b/"). */
    public static String folder(String given) {
        if (given == null) {
            return "";
        }
        String f = given;
        if (f.startsWith("/")) {
            f = f.substring(1);
        }
        if (f.endsWith("/")) {
            f = f.substring(0, f.length() - 1);
        }
        if (f.isEmpty()) {
            return "";
        }
        if (f.length() >= MAX_PATH) {
            throw ProblemException.badRequest("A path is limited to " + MAX_PATH + " characters");
        }
        for (String s : f.split("/", -1)) {
            segment(s, given);
        }
        return f + "/";
    }

    public static String name(String name) {
        segment(name == null ? "" : name, name);
        return name;
    }

    private static void segment(String s, String whole) {
        if (s.isEmpty()) {
            throw ProblemException.badRequest("The path has an empty segment: '" + printable(whole) + "'");
        }
        if (s.equals(".") || s.equals("..")) {
            throw ProblemException.badRequest("The path may not contain '.' or '..' segments");
        }
        if (s.length() > MAX_SEGMENT) {
            throw ProblemException.badRequest("A file or folder name is limited to " + MAX_SEGMENT + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\\' || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                throw ProblemException.badRequest("The path may not contain control characters or backslashes");
            }
        }
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static String printable(String s) {
        return s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
    }

    /** A Content-Disposition value that no file name can break: ASCII fallback plus the RFC 5987 form. */
    public static String disposition(String type, String name) {
        StringBuilder ascii = new StringBuilder();
        for (char c : name.toCharArray()) {
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ';' && c != '%' ? c : '_');
        }
        String encoded = java.net.URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
        return type + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
