package dev.onebase.docs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every sh block of README.md and docs/*.md runs as written (docs/testing.md, "The examples in the docs"): per file,
 * its sh blocks concatenated in order and run by {@code bash -euo pipefail} in a fresh scratch directory with a
 * minimal environment, against this test's service (BASE) and admin token (ADMIN).
 */
@QuarkusTest
class DocExamplesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int TAIL_LINES = 60;
    private static final int TAIL_CHARS = 6000;
    /** Tags of a shell block: sh runs, console-norun does not; anything else that looks like a shell is refused. */
    private static final Set<String> SHELL_LIKE = Set.of("bash", "shell", "console", "zsh", "shell-session", "shellsession");
    private static final String FAILED_AT = "__doc_example_failed_at__";
    private static final Pattern FAILED_AT_LINE = Pattern.compile(FAILED_AT + " (\\d+) (\\d+)");

    @TestHTTPResource("/")
    URL root;

    /** The files whose sh blocks are run: README.md and docs/*.md. */
    static boolean scanned(Path file) {
        String rel = Markdown.relative(file);
        return rel.equals("README.md") || rel.matches("docs/[^/]+\\.md");
    }

    @TestFactory
    Stream<DynamicTest> everyFilesShellExamplesRunAsWritten() {
        List<Path> files = Markdown.markdownFiles().stream().filter(DocExamplesTest::scanned)
                .filter(f -> Markdown.blocks(Markdown.lines(f)).stream().anyMatch(b -> b.info().equals("sh")))
                .toList();
        assertFalse(files.isEmpty(), "no sh block found in README.md or docs/*.md (run from " + Markdown.ROOT + ")");
        return files.stream().map(f -> DynamicTest.dynamicTest(Markdown.relative(f), () -> run(f)));
    }

    /** A sh block outside the files above would never run; a shell block tagged otherwise would be silently skipped. */
    @Test
    void everyShellBlockIsRunOrMarkedNotToRun() {
        List<String> problems = new ArrayList<>();
        for (Path f : Markdown.markdownFiles()) {
            for (Markdown.Block b : Markdown.blocks(Markdown.lines(f))) {
                String where = Markdown.relative(f) + ":" + b.fenceLine();
                if (!b.closed()) {
                    problems.add(where + ": the fence opened here is never closed");
                } else if (b.info().equals("sh") && !scanned(f)) {
                    problems.add(where + ": an sh block in a file DocExamplesTest does not run (only README.md and "
                            + "docs/*.md are run): move it there, or tag it console-norun and say why it cannot run");
                } else if (SHELL_LIKE.contains(b.info())) {
                    problems.add(where + ": a shell block tagged '" + b.info()
                            + "': tag it sh (run by DocExamplesTest) or console-norun (not run; say why)");
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    /**
     * The examples reach the service only through BASE: a fixed address would pass here whenever a dev service happens
     * to listen on it, while testing that one instead of this test's.
     */
    @Test
    void examplesReachTheServiceThroughBase() {
        Pattern fixed = Pattern.compile("(?:localhost|127\\.0\\.0\\.1|\\[::1\\]):\\d+");
        List<String> problems = new ArrayList<>();
        for (Path f : Markdown.markdownFiles().stream().filter(DocExamplesTest::scanned).toList()) {
            for (Markdown.Block b : Markdown.blocks(Markdown.lines(f))) {
                if (!b.info().equals("sh")) {
                    continue;
                }
                for (int i = 0; i < b.lines().size(); i++) {
                    String line = b.lines().get(i).replaceAll("\\$\\{BASE:-[^}]*\\}", "\\$BASE");
                    if (fixed.matcher(line).find()) {
                        problems.add(Markdown.relative(f) + ":" + (b.fenceLine() + 1 + i) + ": " + b.lines().get(i).trim()
                                + " (use $BASE, set once as BASE=${BASE:-http://localhost:8080})");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    /**
     * The test hands BASE and ADMIN to the scripts, a reader's fresh shell does not: each file sets them (to the dev
     * service's defaults unless already set) before it first uses them.
     */
    @Test
    void examplesSetBaseAndAdminBeforeUsingThem() {
        List<String> problems = new ArrayList<>();
        for (Path f : Markdown.markdownFiles().stream().filter(DocExamplesTest::scanned).toList()) {
            for (String var : List.of("BASE", "ADMIN")) {
                Pattern set = Pattern.compile("^\\s*" + var + "=\\$\\{" + var + ":-[^}]+\\}\\s*$");
                Pattern use = Pattern.compile("\\$(?:" + var + "\\b|\\{" + var + "\\b)");
                boolean isSet = false;
                for (Markdown.Block b : Markdown.blocks(Markdown.lines(f))) {
                    if (!b.info().equals("sh")) {
                        continue;
                    }
                    for (int i = 0; i < b.lines().size() && !isSet; i++) {
                        String line = b.lines().get(i);
                        if (set.matcher(line).matches()) {
                            isSet = true;
                        } else if (use.matcher(line).find()) {
                            problems.add(Markdown.relative(f) + ":" + (b.fenceLine() + 1 + i) + ": uses $" + var
                                    + " before the file sets it: begin its first sh block with " + var + "=${" + var
                                    + ":-" + (var.equals("BASE") ? "http://localhost:8080" : "dev-admin-token") + "}");
                            isSet = true; // once per file and variable
                        }
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    private void run(Path doc) throws Exception {
        String name = Markdown.relative(doc);
        List<String> lines = Markdown.lines(doc);
        // the script: a header line, then the blocks as written; docLine[i] is the doc's line of script line i + 1
        List<String> script = new ArrayList<>();
        List<Integer> docLine = new ArrayList<>();
        // on a failing command, say which line it was (bash's LINENO is the script's line), then exit as bash would
        script.add("trap 'printf \"\\n%s %s %s\\n\" " + FAILED_AT + " \"$LINENO\" \"$?\" >&2' ERR");
        docLine.add(0);
        for (Markdown.Block b : Markdown.blocks(lines)) {
            if (b.info().equals("sh")) {
                for (int i = 0; i < b.lines().size(); i++) {
                    script.add(b.lines().get(i));
                    docLine.add(b.fenceLine() + 1 + i);
                }
            }
        }
        Path dir = Files.createTempDirectory("onebase-doc-examples-");
        try {
            Path file = dir.resolve("examples.sh");
            Files.write(file, script, StandardCharsets.UTF_8);
            Path work = Files.createDirectory(dir.resolve("work"));
            Path out = dir.resolve("output.txt");
            ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", file.toString())
                    .directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            Map<String, String> env = pb.environment();
            String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
            env.clear();
            env.put("PATH", path);
            env.put("HOME", work.toString());
            env.put("BASE", root.toString().replaceAll("/+$", ""));
            env.put("ADMIN", ConfigProvider.getConfig().getValue("onebase.admin.token", String.class));
            long start = System.nanoTime();
            Process p = pb.start();
            boolean finished = p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            List<String> output = new ArrayList<>();
            Matcher at = null;
            for (String l : new String(Files.readAllBytes(out), StandardCharsets.UTF_8).lines().toList()) {
                Matcher m = FAILED_AT_LINE.matcher(l);
                if (m.matches()) {
                    at = m;
                } else {
                    output.add(l);
                }
            }
            System.out.printf("DocExamplesTest: %s: %d lines of sh, %s in %d ms%n", name, script.size() - 1,
                    finished ? "exit " + p.exitValue() : "timed out", ms);
            if (finished && p.exitValue() == 0) {
                return;
            }
            StringBuilder msg = new StringBuilder(name).append(": the examples ");
            msg.append(finished ? "exited with " + p.exitValue() : "did not finish within " + TIMEOUT.toSeconds() + " s");
            if (at != null) {
                int line = Integer.parseInt(at.group(1));
                if (line >= 1 && line <= script.size()) {
                    msg.append(" after the command at ").append(name).append(':').append(docLine.get(line - 1))
                            .append(" (exit ").append(at.group(2)).append("): ").append(script.get(line - 1).trim());
                }
            }
            String tail = String.join("\n", output.subList(Math.max(0, output.size() - TAIL_LINES), output.size()));
            if (tail.length() > TAIL_CHARS) { // the answers are long one-line JSON documents
                tail = "[...]" + tail.substring(tail.length() - TAIL_CHARS);
            }
            msg.append("\n--- the last ").append(Math.min(TAIL_LINES, output.size())).append(" lines of its output ---\n")
                    .append(tail).append('\n');
            fail(msg.toString());
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
