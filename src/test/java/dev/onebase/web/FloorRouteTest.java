package dev.onebase.web;

import static io.restassured.RestAssured.given;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The benchmark's floor route exists only when asked for ({@code onebase.bench.floor-route}); bench/cache uses it. */
@QuarkusTest
class FloorRouteTest {

    @Test
    void offUnlessTurnedOn() {
        given().get(FloorRoute.PATH).then().statusCode(404);
    }
}
