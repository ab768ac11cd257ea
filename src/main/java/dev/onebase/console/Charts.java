package dev.onebase.console;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import io.quarkus.qute.RawString;

/**
 * Charts as inline SVG drawn on the server: no chart library, no script, and they print. Each has a title for screen
 * readers, and the page shows the same figures as text beside it.
 */
public final class Charts {

    private static final int WIDTH = 640;
    private static final int LABEL = 170;
    private static final int ROW = 24;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private Charts() {
    }

    /** One bar: its label, its value, and the text shown at its end. */
    public record Bar(String label, double value, String shown) {
    }

    /** One span on a time line; {@code kind} becomes its CSS class (an outcome or status). */
    public record Span(String label, OffsetDateTime start, OffsetDateTime end, String kind) {
    }

    /** One value at a moment of a series over time. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Point(OffsetDateTime at, double value) {
    }

    /** The frame both time charts share: the SVG opened with its kind, the scale's top and axes, one slot per point. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    private record TimeFrame(StringBuilder svg, double max, double step) {
        static final int HEIGHT = 150;
        static final int LEFT = 70;

        static TimeFrame of(String title, String kind, List<Point> points, java.util.function.DoubleFunction<String> shown, DateTimeFormatter time) {
            StringBuilder svg = open(title, HEIGHT + 24).insert(4, " data-kind=\"" + kind + "\"");
            double max = points.stream().mapToDouble(Point::value).max().orElse(0);
            double step = (double) (WIDTH - LEFT - 10) / Math.max(1, points.size());
            axes(svg, LEFT, HEIGHT, shown.apply(max), points, time);
            return new TimeFrame(svg, max, step);
        }
    }

    /**
     * A series over time as columns (one per point, e.g. requests per minute), on a zero-based scale whose top is
     * labelled; each column has a title with its time and shown value for pointers and screen readers.
     */
    public static RawString columns(String title, List<Point> points, java.util.function.DoubleFunction<String> shown, DateTimeFormatter time) {
        TimeFrame f = TimeFrame.of(title, "columns", points, shown, time);
        StringBuilder svg = f.svg();
        double max = f.max();
        int left = TimeFrame.LEFT;
        int height = TimeFrame.HEIGHT;
        double w = f.step();
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            int h = max <= 0 ? 0 : (int) Math.round((height - 10) * p.value() / max);
            svg.append("<rect class=\"bar\" x=\"").append(fmt(left + i * w + w * 0.1)).append("\" y=\"").append(height - h)
                    .append("\" width=\"").append(fmt(Math.max(0.5, w * 0.8))).append("\" height=\"").append(h).append("\"><title>")
                    .append(escape(time.format(p.at()) + ": " + shown.apply(p.value()))).append("</title></rect>");
        }
        return close(svg);
    }

    /** A series over time as a step line (e.g. storage, which holds its value until it changes). */
    public static RawString steps(String title, List<Point> points, java.util.function.DoubleFunction<String> shown, DateTimeFormatter time) {
        TimeFrame f = TimeFrame.of(title, "steps", points, shown, time);
        StringBuilder svg = f.svg();
        double max = f.max();
        int left = TimeFrame.LEFT;
        int height = TimeFrame.HEIGHT;
        double w = f.step();
        if (!points.isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < points.size(); i++) {
                double y = max <= 0 ? height : height - (height - 10) * points.get(i).value() / max;
                path.append(i == 0 ? "M" + fmt(left) + " " + fmt(y) : " H" + fmt(left + i * w) + " V" + fmt(y));
            }
            path.append(" H").append(fmt(left + points.size() * w));
            Point last = points.get(points.size() - 1);
            svg.append("<path class=\"line\" d=\"").append(path.toString().trim()).append("\"><title>")
                    .append(escape(time.format(last.at()) + ": " + shown.apply(last.value()))).append("</title></path>");
        }
        return close(svg);
    }

    private static void axes(StringBuilder svg, int left, int height, String top, List<Point> points, DateTimeFormatter time) {
        svg.append("<line class=\"axis\" x1=\"").append(left).append("\" x2=\"").append(WIDTH - 10).append("\" y1=\"").append(height)
                .append("\" y2=\"").append(height).append("\"/>")
                .append("<line class=\"axis\" x1=\"").append(left).append("\" x2=\"").append(left).append("\" y1=\"10\" y2=\"").append(height)
                .append("\"/>")
                .append("<text x=\"").append(left - 4).append("\" y=\"16\" text-anchor=\"end\">").append(escape(top)).append("</text>")
                .append("<text x=\"").append(left - 4).append("\" y=\"").append(height).append("\" text-anchor=\"end\">0</text>");
        if (!points.isEmpty()) {
            svg.append("<text x=\"").append(left).append("\" y=\"").append(height + 18).append("\">")
                    .append(escape(time.format(points.get(0).at()))).append("</text>")
                    .append("<text x=\"").append(WIDTH - 10).append("\" y=\"").append(height + 18).append("\" text-anchor=\"end\">")
                    .append(escape(time.format(points.get(points.size() - 1).at()))).append(" UTC</text>");
        }
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.1f", v);
    }

    public static RawString bars(String title, List<Bar> bars) {
        StringBuilder svg = open(title, Math.max(1, bars.size()) * ROW + 8);
        double max = bars.stream().mapToDouble(Bar::value).max().orElse(0);
        if (bars.isEmpty()) {
            svg.append("<text x=\"0\" y=\"18\" class=\"muted\">nothing yet</text>");
        }
        int y = 4;
        int room = WIDTH - LABEL - 90;
        for (Bar b : bars) {
            int w = max <= 0 ? 0 : (int) Math.round(room * b.value() / max);
            svg.append("<text x=\"").append(LABEL - 6).append("\" y=\"").append(y + 15).append("\" text-anchor=\"end\">")
                    .append(escape(clip(b.label()))).append("</text>")
                    .append("<rect class=\"bar\" x=\"").append(LABEL).append("\" y=\"").append(y + 3).append("\" width=\"")
                    .append(Math.max(w, 1)).append("\" height=\"").append(ROW - 8).append("\"/>")
                    .append("<text x=\"").append(LABEL + Math.max(w, 1) + 6).append("\" y=\"").append(y + 15).append("\">")
                    .append(escape(b.shown())).append("</text>");
            y += ROW;
        }
        return close(svg);
    }

    /** Spans on a shared time axis from {@code from} to {@code to}; a span still open ends at {@code to}. */
    public static RawString timeline(String title, List<Span> spans, OffsetDateTime from, OffsetDateTime to) {
        StringBuilder svg = open(title, Math.max(1, spans.size()) * ROW + 30);
        long total = Math.max(1, Duration.between(from, to).toMillis());
        int room = WIDTH - LABEL - 10;
        int y = 4;
        for (Span s : spans) {
            OffsetDateTime end = s.end() == null ? to : s.end();
            long x0 = Duration.between(from, s.start()).toMillis();
            long x1 = Duration.between(from, end).toMillis();
            int px = LABEL + (int) Math.max(0, room * x0 / total);
            int pw = Math.max(3, (int) (room * (x1 - x0) / total));
            svg.append("<text x=\"").append(LABEL - 6).append("\" y=\"").append(y + 15).append("\" text-anchor=\"end\">")
                    .append(escape(clip(s.label()))).append("</text>")
                    .append("<rect class=\"span ").append(escape(s.kind())).append("\" x=\"").append(px).append("\" y=\"").append(y + 3)
                    .append("\" width=\"").append(Math.min(pw, WIDTH - px)).append("\" height=\"").append(ROW - 8).append("\"><title>")
                    .append(escape(s.label() + ": " + s.kind())).append("</title></rect>");
            y += ROW;
        }
        svg.append("<line class=\"axis\" x1=\"").append(LABEL).append("\" x2=\"").append(WIDTH - 10).append("\" y1=\"").append(y + 2)
                .append("\" y2=\"").append(y + 2).append("\"/>")
                .append("<text x=\"").append(LABEL).append("\" y=\"").append(y + 18).append("\">").append(TIME.format(from)).append("</text>")
                .append("<text x=\"").append(WIDTH - 10).append("\" y=\"").append(y + 18).append("\" text-anchor=\"end\">")
                .append(TIME.format(to)).append(" UTC</text>");
        return close(svg);
    }

    public static String bytes(Long n) {
        if (n == null || n < 0) {
            return "—";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static StringBuilder open(String title, int height) {
        return new StringBuilder("<svg class=\"chart\" role=\"img\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\"><title>").append(escape(title)).append("</title>");
    }

    private static RawString close(StringBuilder svg) {
        return new RawString(svg.append("</svg>").toString());
    }

    private static String clip(String s) {
        return s == null ? "" : s.length() > 24 ? s.substring(0, 23) + "…" : s;
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
