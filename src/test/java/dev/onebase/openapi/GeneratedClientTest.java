package dev.onebase.openapi;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Generates a Java client from the running service's {@code /q/openapi} with the OpenAPI Generator from Maven Central
 * ({@code org.openapitools:openapi-generator-cli}, which the build copies to {@code target/openapi-generator/}), with
 * its default library (OkHttp and Gson), compiles it, and runs a smoke test through it: sign up, a cache SET and GET,
 * a file upload and download, and an error read as a problem (docs/api.md, "Generating a client"). The generator
 * validates the document first, so a document it cannot read fails here too.
 */
@QuarkusTest
class GeneratedClientTest {

    private static final Path WORK = Path.of("target/generated-client");
    private static final Path GENERATOR = Path.of("target/openapi-generator/openapi-generator-cli.jar");

    /** The libraries the okhttp-gson client compiles against, by a class of each (they are test dependencies). */
    private static final List<String> CLIENT_LIBRARIES = List.of("okhttp3.OkHttpClient", "okhttp3.logging.HttpLoggingInterceptor",
            "okio.Okio", "kotlin.Unit", "com.google.gson.Gson", "io.gsonfire.GsonFireBuilder",
            "org.apache.commons.lang3.StringUtils", "jakarta.annotation.Nullable");

    @Test
    void aClientGeneratedFromTheDocumentWorks() throws Exception {
        assertTrue(Files.isRegularFile(GENERATOR), GENERATOR + " is copied by the build (mvn process-test-resources)");
        deleteTree(WORK);
        Files.createDirectories(WORK);
        Path spec = WORK.resolve("openapi.json");
        Files.writeString(spec, given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString());

        Path out = WORK.resolve("client");
        generate(spec, out);
        Path smoke = out.resolve("src/main/java/dev/onebase/client/smoke/Smoke.java");
        Files.createDirectories(smoke.getParent());
        try (var in = GeneratedClientTest.class.getResourceAsStream("Smoke.java.txt")) {
            Files.write(smoke, in.readAllBytes());
        }
        Path classes = WORK.resolve("classes");
        compile(out.resolve("src/main/java"), classes);

        int port = RestAssured.port;
        try (URLClassLoader loader = new URLClassLoader(new URL[] { classes.toUri().toURL() }, GeneratedClientTest.class.getClassLoader())) {
            Class<?> runner = Class.forName("dev.onebase.client.smoke.Smoke", true, loader);
            @SuppressWarnings("unchecked")
            List<String> steps = (List<String>) runner.getMethod("run", String.class, Path.class)
                    .invoke(null, "http://localhost:" + port, WORK);
            assertEquals(List.of("signed up", "cache set", "cache get", "file uploaded", "file downloaded", "problem read"), steps);
        }
    }

    private static void generate(Path spec, Path out) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = WORK.resolve("generator.log");
        Process p = new ProcessBuilder(java, "-jar", GENERATOR.toString(), "generate", "-i", spec.toString(), "-g", "java",
                "-o", out.toString(), "--api-package", "dev.onebase.client.api", "--model-package", "dev.onebase.client.model",
                "--invoker-package", "dev.onebase.client",
                "--global-property", "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
                "--additional-properties", "openApiNullable=false,useJakartaEe=true,hideGenerationTimestamp=true")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done && p.exitValue() == 0, "the generator failed on /q/openapi:\n" + tail(log));
    }

    private static void compile(Path sources, Path classes) throws IOException, URISyntaxException, ClassNotFoundException {
        Files.createDirectories(classes);
        List<File> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).map(Path::toFile).toList();
        }
        List<String> classpath = new ArrayList<>();
        for (String name : CLIENT_LIBRARIES) {
            classpath.add(Path.of(Class.forName(name).getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(errors, fm, null, List.of("-d", classes.toString(), "-classpath",
                    String.join(File.pathSeparator, classpath), "-proc:none", "-nowarn", "-Xlint:none"), null,
                    fm.getJavaFileObjectsFromFiles(files)).call();
            assertTrue(ok, "the generated client does not compile:\n" + errors);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
