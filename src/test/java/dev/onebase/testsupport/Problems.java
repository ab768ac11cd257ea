package dev.onebase.testsupport;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import io.restassured.response.ValidatableResponse;

/** What every refused request must answer: its status and an RFC 7807 problem body, never a stack trace. */
public final class Problems {

    private Problems() {
    }

    /** The status, and a problem body with that status, a title, a detail and the request id. */
    public static ValidatableResponse problem(ValidatableResponse r, int status) {
        return r.statusCode(status).contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("title", notNullValue())
                .body("detail", notNullValue())
                .body("requestId", notNullValue())
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")));
    }

    /** {@link #problem(ValidatableResponse, int)}, and the detail says what was wrong. */
    public static ValidatableResponse problem(ValidatableResponse r, int status, String detail) {
        return problem(r, status).body("detail", containsString(detail));
    }
}
