package dev.onebase.openapi;

import static io.restassured.RestAssured.given;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class OpenApiDumpScratch {
    @Test
    void dump() throws Exception {
        Files.writeString(Path.of("target/openapi-now.json"), given().queryParam("format", "json").get("/q/openapi").asString());
    }
}
