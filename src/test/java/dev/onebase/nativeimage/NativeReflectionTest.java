package dev.onebase.nativeimage;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.ProjectFiles;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Every record of the service is registered for reflection, so Jackson can (de)serialize it in the native binary. */
class NativeReflectionTest {

    @Test
    void everyRecordIsRegisteredForReflection() throws ClassNotFoundException {
        Set<String> registered = Set.of(NativeReflection.class.getAnnotation(RegisterForReflection.class).classNames());
        Path classes = ProjectFiles.ROOT.resolve("target/classes");
        Set<String> missing = new TreeSet<>();
        int records = 0;
        List<Path> files = ProjectFiles.files(classes.resolve("dev/onebase"), ".class");
        for (Path f : files) {
            String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
            Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            if (c.isRecord()) {
                records++;
                if (!registered.contains(c.getName()) && !c.isAnnotationPresent(RegisterForReflection.class)) {
                    missing.add(c.getName());
                }
            }
        }
        assertFalse(files.isEmpty(), "no compiled classes under " + classes);
        assertTrue(records > 0, "no records found");
        assertTrue(missing.isEmpty(), "add to NativeReflection's classNames (or annotate @RegisterForReflection): "
                + String.join(", ", missing.stream().map(n -> '"' + n + '"').toList()));
    }

    @Test
    void everyRegisteredNameIsAClassOfTheBuild() {
        Set<String> stale = new TreeSet<>();
        for (String name : NativeReflection.class.getAnnotation(RegisterForReflection.class).classNames()) {
            try {
                Class.forName(name, false, getClass().getClassLoader());
            } catch (ClassNotFoundException e) {
                stale.add(name);
            }
        }
        assertTrue(stale.isEmpty(), "NativeReflection names classes that do not exist (renamed or moved?): " + stale);
    }
}
