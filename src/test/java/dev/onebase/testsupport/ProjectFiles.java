package dev.onebase.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The project's own files, for the tests that hold the code, the docs and the manifests against each other. */
public final class ProjectFiles {

    /** The project's root directory: Maven runs the tests there. */
    public static final Path ROOT = Path.of("").toAbsolutePath();

    private ProjectFiles() {
    }

    /** The files below {@code dir} whose names end with {@code suffix}, sorted; none when {@code dir} does not exist. */
    public static List<Path> files(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
