package dev.onebase.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Every reference to a document resolves (docs/testing.md): in every text file of the tree (build output and .git
 * left out), each mention of a Markdown file under docs/, of the README of bench/, or of the top README with an
 * anchor, names a file that exists and, with an anchor (or a section name in quotes right after it), a heading of
 * that file; in every Markdown file, each relative link (inline or reference-style) names a file or directory that exists and, with an
 * anchor, a heading of the Markdown file it names.
 *
 * Mentions of shared/reference (the project's reference measurements, outside the repository) resolve against the
 * repository's parent directory when it holds shared/, and are skipped where it does not (a clone on its own).
 */
class DocReferencesTest {

    private static final Path PARENT = Markdown.ROOT.getParent();
    private static final String ANCHOR = "(?:#([\\p{L}\\p{N}_-]+))?";
    private static final String START = "(?<![\\w/.-])";

    /** Plain-text mentions, resolved against the repository root (shared/ against its parent); group 1: the anchor. */
    private static final Pattern DOCS = Pattern.compile(START + "docs/[\\w.-]+?\\.md" + ANCHOR);
    private static final Pattern BENCH = Pattern.compile(START + "bench/README\\.md" + ANCHOR);
    private static final Pattern README = Pattern.compile(START + "README(?:\\.md)?#([\\p{L}\\p{N}_-]+)");
    private static final Pattern SHARED = Pattern.compile(START + "shared/reference/[\\w./-]+?\\.md" + ANCHOR);
    /** A section named in quotes right after a mention, as in: (the path) "Your own PostgreSQL" or (the path), 'Variables'. */
    private static final Pattern QUOTED_SECTION = Pattern.compile("^\\s*,?\\s*\\(?[\"'\u201c]([A-Za-z][^\"'\u201d\\n]{1,80})[\"'\u201d]");

    private static final Pattern INLINE_LINK = Pattern.compile("\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_LINK = Pattern.compile("(?m)^ {0,3}\\[[^\\]^][^\\]]*\\]:\\s*<?([^\\s>]+)>?");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)[^`]+?\\1");
    private static final Pattern SCHEME = Pattern.compile("^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)");

    private final Map<Path, Optional<Set<String>>> anchorCache = new HashMap<>();
    private int checked;
    private int skipped;

    @Test
    void everyReferenceToADocumentResolves() {
        List<String> broken = new ArrayList<>();
        for (Path file : Markdown.treeFiles()) {
            String text = text(file);
            if (text == null) {
                continue; // not text
            }
            boolean markdown = file.getFileName().toString().endsWith(".md");
            List<int[]> linkTargets = new ArrayList<>();
            if (markdown) {
                checkLinks(file, text, linkTargets, broken);
            }
            checkMentions(file, text, linkTargets, broken);
        }
        System.out.printf("DocReferencesTest: %d references checked%s%n", checked,
                skipped == 0 ? "" : ", " + skipped + " under shared/ skipped (there is no " + PARENT.resolve("shared") + ")");
        assertTrue(checked > 50, "suspiciously few references found (" + checked + "): is " + Markdown.ROOT + " the repository?");
        if (!broken.isEmpty()) {
            fail(broken.size() + " references to documents do not resolve:\n" + String.join("\n", broken));
        }
    }

    /** The slug rules on headings of the kinds the docs use. */
    @Test
    void slugsAreGitHubs() {
        assertEquals("the-services-own-per-tenant-request-limit", Markdown.slug("The service's own per-tenant request limit"));
        assertEquals("metrics-on-qmetrics", Markdown.slug("Metrics (on `/q/metrics`)"));
        assertEquals("what-every-script-shares-benchlibsh", Markdown.slug("What every script shares: `bench/lib.sh`"));
        assertEquals("the-jvm-build-and-the-native-sources", Markdown.slug("The JVM build and the native sources"));
        assertEquals("a--b", Markdown.slug("A & B"));
        assertEquals(List.of("x", "x-1", "x-2", "y"),
                List.copyOf(Markdown.anchors(List.of("# X", "```sh", "# y", "```", "## X", "### X", "# Y"))));
    }

    private void checkMentions(Path file, String text, List<int[]> linkTargets, List<String> broken) {
        for (Pattern p : List.of(DOCS, BENCH, README, SHARED)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                int at = m.start();
                if (linkTargets.stream().anyMatch(r -> at >= r[0] && at < r[1])) {
                    continue; // a link's target: checked relative to its file by checkLinks
                }
                String mention = m.group();
                String path = mention.contains("#") ? mention.substring(0, mention.indexOf('#')) : mention;
                if (p == README) {
                    path = "README.md";
                }
                Path target;
                if (p == SHARED) {
                    if (!Files.isDirectory(PARENT.resolve("shared"))) {
                        skipped++;
                        continue;
                    }
                    target = PARENT.resolve(path);
                } else {
                    target = Markdown.ROOT.resolve(path);
                }
                String where = Markdown.relative(file) + ":" + line(text, at) + ": " + mention;
                check(where, target, m.group(1), broken);
                Matcher quoted = QUOTED_SECTION.matcher(text.substring(m.end(), Math.min(text.length(), m.end() + 100)));
                if (p != README && m.group(1) == null && quoted.find()) {
                    check(where + " \"" + quoted.group(1) + "\"", target, Markdown.slug(quoted.group(1)), broken);
                }
            }
        }
    }

    private void checkLinks(Path file, String text, List<int[]> linkTargets, List<String> broken) {
        // links are neither in fenced blocks nor in code spans: blank those out, keeping every offset
        char[] chars = text.toCharArray();
        List<String> lines = text.lines().toList();
        boolean[] fenced = Markdown.fenced(lines);
        int offset = 0;
        for (int i = 0; i < lines.size(); i++) {
            int end = offset + lines.get(i).length();
            if (fenced[i]) {
                for (int c = offset; c < end; c++) {
                    chars[c] = ' ';
                }
            }
            offset = end + (end < text.length() && text.charAt(end) == '\r' ? 2 : 1);
        }
        Matcher code = CODE_SPAN.matcher(new String(chars));
        while (code.find()) {
            for (int c = code.start(); c < code.end(); c++) {
                if (chars[c] != '\n') {
                    chars[c] = ' ';
                }
            }
        }
        String prose = new String(chars);
        for (Pattern p : List.of(INLINE_LINK, REFERENCE_LINK)) {
            Matcher m = p.matcher(prose);
            while (m.find()) {
                String link = m.group(1);
                linkTargets.add(new int[] {m.start(1), m.end(1)});
                if (SCHEME.matcher(link).find()) {
                    continue; // http:, https:, mailto: ... are not checked here
                }
                int hash = link.indexOf('#');
                String path = URLDecoder.decode(hash < 0 ? link : link.substring(0, hash), StandardCharsets.UTF_8);
                String anchor = hash < 0 ? null : link.substring(hash + 1);
                Path target = path.isEmpty() ? file
                        : (path.startsWith("/") ? Markdown.ROOT.resolve(path.substring(1)) : file.getParent().resolve(path))
                                .normalize();
                String where = Markdown.relative(file) + ":" + line(text, m.start(1)) + ": (" + link + ")";
                if (!target.startsWith(Markdown.ROOT)) {
                    if (!target.startsWith(PARENT.resolve("shared"))) {
                        broken.add(where + ": points outside the repository");
                        continue;
                    }
                    if (!Files.isDirectory(PARENT.resolve("shared"))) {
                        skipped++;
                        continue;
                    }
                }
                check(where, target, anchor, broken);
            }
        }
    }

    private void check(String where, Path target, String anchor, List<String> broken) {
        checked++;
        if (!Files.exists(target)) {
            broken.add(where + ": no such file " + shown(target));
            return;
        }
        if (anchor == null || anchor.isEmpty()) {
            return;
        }
        if (!target.getFileName().toString().endsWith(".md") || Files.isDirectory(target)) {
            broken.add(where + ": an anchor on " + shown(target) + ", which is not a Markdown file");
            return;
        }
        Set<String> anchors = anchorCache.computeIfAbsent(target, t -> Optional.of(Markdown.anchors(Markdown.lines(t)))).get();
        if (!anchors.contains(anchor)) {
            broken.add(where + ": " + shown(target) + " has no heading whose anchor is #" + anchor + " (its anchors: "
                    + String.join(", ", anchors) + ")");
        }
    }

    private static String shown(Path target) {
        return target.startsWith(Markdown.ROOT) ? Markdown.relative(target) : PARENT.relativize(target) + " (beside the repository)";
    }

    private static int line(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The file as UTF-8 text, or null when it is binary. */
    private static String text(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            for (byte b : bytes) {
                if (b == 0) {
                    return null;
                }
            }
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
