package dev.onebase.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The little of Markdown the documentation tests need: fenced blocks, headings and their GitHub anchors. */
final class Markdown {

    /** The repository: Maven runs the tests in the project's base directory. */
    static final Path ROOT = Path.of("").toAbsolutePath().normalize();

    /** Directories that are not part of the tracked tree (build output, VCS data, what .gitignore lists). */
    private static final Set<String> SKIPPED_DIRS = Set.of("target", ".git", ".onebase", ".idea", ".vscode", "node_modules");

    private static final Pattern FENCE_OPEN = Pattern.compile("^ {0,3}(`{3,}|~{3,})\\s*([^\\s`]*).*$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");

    private Markdown() {
    }

    /** A fenced code block: its info string's first word ("" when none), the line of its opening fence (1-based). */
    record Block(String info, int fenceLine, List<String> lines, boolean closed) {
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> blocks(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE_OPEN.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String fence = open.group(1);
            Pattern close = Pattern.compile("^ {0,3}" + Pattern.quote(fence.substring(0, 1)) + "{" + fence.length() + ",}\\s*$");
            List<String> content = new ArrayList<>();
            int j = i + 1;
            while (j < lines.size() && !close.matcher(lines.get(j)).matches()) {
                content.add(lines.get(j));
                j++;
            }
            blocks.add(new Block(open.group(2), i + 1, content, j < lines.size()));
            i = j;
        }
        return blocks;
    }

    /** For each line, whether it is part of a fenced block (fences included). */
    static boolean[] fenced(List<String> lines) {
        boolean[] fenced = new boolean[lines.size()];
        for (Block b : blocks(lines)) {
            int last = Math.min(lines.size(), b.fenceLine() + b.lines().size() + (b.closed() ? 1 : 0));
            for (int l = b.fenceLine() - 1; l < last; l++) {
                fenced[l] = true;
            }
        }
        return fenced;
    }

    /** The anchors GitHub makes for the file's headings (repeated ones get -1, -2, ...), and explicit HTML anchors. */
    static Set<String> anchors(List<String> lines) {
        boolean[] fenced = fenced(lines);
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            if (fenced[i]) {
                continue;
            }
            Matcher h = HEADING.matcher(lines.get(i));
            if (h.matches()) {
                String slug = slug(h.group(2) == null ? "" : h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
            Matcher a = HTML_ANCHOR.matcher(lines.get(i));
            while (a.find()) {
                anchors.add(a.group(1));
            }
        }
        return anchors;
    }

    /**
     * GitHub's anchor for a heading (github-slugger): the rendered text lower-cased, every character that is not a
     * letter, a digit, a mark, '_', '-' or a space dropped, each space a '-'.
     */
    static String slug(String heading) {
        String text = heading.trim()
                .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // a link or an image is its text
                .replaceAll("<[^>]+>", "") // inline HTML
                .toLowerCase(Locale.ROOT);
        StringBuilder slug = new StringBuilder();
        text.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            if (cp == ' ') {
                slug.append('-');
            } else if (cp == '-' || cp == '_' || Character.isLetterOrDigit(cp) || type == Character.NON_SPACING_MARK
                    || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK) {
                slug.appendCodePoint(cp);
            }
        });
        return slug.toString();
    }

    /** Every regular file of the tree, build output and VCS data left out, in a stable order. */
    static List<Path> treeFiles() {
        try (Stream<Path> walk = Files.walk(ROOT)) {
            return walk.filter(p -> {
                Path rel = ROOT.relativize(p);
                for (Path part : rel) {
                    if (SKIPPED_DIRS.contains(part.toString())) {
                        return false;
                    }
                }
                return Files.isRegularFile(p);
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> markdownFiles() {
        return treeFiles().stream().filter(p -> p.getFileName().toString().endsWith(".md")).toList();
    }

    static String relative(Path file) {
        return ROOT.relativize(file).toString().replace('\\', '/');
    }
}
