package dev.onebase.cache;

import static dev.onebase.testsupport.Problems.problem;
import static dev.onebase.testsupport.TestApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Expiries and numbers as Redis 7 reads them: an expiry past what a timestamp can hold is a 400 problem (issue 12:
 * these answered 500), integers are written the one canonical way, and EXAT and PXAT accept the same instants.
 */
@QuarkusTest
class CacheExpiryInputTest {

    static final String C = "/api/v1/cache/";
    static final String HUGE = "9223372036854775807";

    @Test
    void expiryOverflowIsA400() {
        Tenant t = TestApi.signup();
        problem(as(t).body("v").queryParam("px", HUGE).put(C + "k").then(), 400, "expir");
        problem(as(t).body("v").queryParam("pxat", HUGE).put(C + "k").then(), 400, "expir");
        problem(as(t).body("v").queryParam("px", "100000000000000000").put(C + "k").then(), 400, "expir");
        problem(as(t).body("v").queryParam("ex", HUGE).put(C + "k").then(), 400, "expir");
        problem(as(t).contentType(ContentType.JSON).body("{\"entries\":[{\"key\":\"a\",\"value\":\"1\",\"ttlMs\":" + HUGE + "}]}")
                .post(C + "_batch/set").then(), 400, "ttlMs");
        as(t).body("v").put(C + "k").then().statusCode(204);
        problem(as(t).queryParam("px", HUGE).post(C + "k/expire").then(), 400, "expir");
        problem(as(t).queryParam("ex", HUGE).post(C + "k/expire").then(), 400, "expir");
        problem(as(t).queryParam("ex", "-" + HUGE).post(C + "k/expire").then(), 400, "expir");
        as(t).get(C + "k").then().statusCode(200).body(equalTo("v"));
    }

    @Test
    void exatAfter2069IsAcceptedLikeTheSamePxat() {
        Tenant t = TestApi.signup();
        long at2100 = 4102444800L;
        as(t).body("v").queryParam("exat", at2100).put(C + "e").then().statusCode(204);
        as(t).get(C + "e/ttl").then().statusCode(200).body("ttl", greaterThan(2_000_000_000L));
        as(t).body("v").queryParam("pxat", at2100 * 1000).put(C + "p").then().statusCode(204);
    }

    @Test
    void integersAreCanonical() {
        Tenant t = TestApi.signup();
        for (String bad : new String[] {"+5", "007", "-0", " 5", "5 ", "0x10"}) {
            problem(as(t).queryParam("by", bad).post(C + "n/incr").then(), 400, "by");
            problem(as(t).body("v").queryParam("ex", bad).put(C + "n").then(), 400, "ex");
        }
        as(t).queryParam("by", "-5").post(C + "n/incr").then().statusCode(200).body("value", equalTo(-5));
    }

    @Test
    void anEmptyExpiryIsRefusedNotForever() {
        Tenant t = TestApi.signup();
        problem(as(t).body("v").queryParam("ex", "").put(C + "k").then(), 400, "ex");
        problem(as(t).body("v").queryParam("px", "").put(C + "k").then(), 400, "px");
        problem(as(t).get(C + "k").then(), 404);
    }
}
