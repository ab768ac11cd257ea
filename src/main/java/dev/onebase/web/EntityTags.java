package dev.onebase.web;

/** Conditional requests (RFC 9110): whether an If-None-Match header names the current entity tag. */
public final class EntityTags {

    private EntityTags() {
    }

    /** True when {@code ifNoneMatch} (a list of tags, weak or strong, or *) names {@code etag}: answer 304. */
    public static boolean noneMatchFails(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
