package dev.onebase.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The RFC 7807 body every error answer carries. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, String requestId) {

    public static final String MEDIA_TYPE = "application/problem+json";
}
