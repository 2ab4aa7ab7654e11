package dev.optin.report;

import java.util.List;
import java.util.Locale;

/** Small inline-SVG charts (no scripts, no external resources) for the HTML report. */
final class Svg {
    private Svg() {}

    static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

    /** A point of a line; lo … hi (lo < hi) is drawn as a bar through it, e.g. the range of runs it is the mean of. */
    record Point(double x, double y, double lo, double hi) {
        Point(double x, double y) { this(x, y, y, y); }
    }

    /** One line (its points joined) and the single runs behind it, drawn as small dots (empty: none). */
    record Series(String name, List<Point> points, List<Point> samples) {
        Series(String name, List<Point> points) { this(name, points, List.of()); }
    }

    /** Approximate width of a 12 px label, for the legend's margin. */
    private static int labelWidth(String s) { return (int) Math.ceil(6.8 * s.length()); }

    /**
     * Lines with markers, one per series, with their bars and single runs; baseline (NaN: none) is drawn dashed and
     * labelled. The legend's margin grows with the longest label, so no label is cut.
     */
    static String lineChart(List<Series> series, double baseline, String baselineLabel, String xLabel, String yLabel) {
        int plot = 426, left = 64, top = 20, bottom = 50, h = 360, legendText = labelWidth(baselineLabel);
        for (Series s : series) legendText = Math.max(legendText, labelWidth(s.name()));
        int right = Math.max(150, 10 + 28 + legendText + 8), w = left + plot + right;
        double xmin = Double.MAX_VALUE, xmax = -Double.MAX_VALUE, ymin = Double.MAX_VALUE, ymax = -Double.MAX_VALUE;
        for (Series s : series) for (Point p : s.points()) {
            xmin = Math.min(xmin, p.x()); xmax = Math.max(xmax, p.x()); ymin = Math.min(ymin, p.lo()); ymax = Math.max(ymax, p.hi());
        }
        for (Series s : series) for (Point p : s.samples()) {
            xmin = Math.min(xmin, p.x()); xmax = Math.max(xmax, p.x()); ymin = Math.min(ymin, p.y()); ymax = Math.max(ymax, p.y());
        }
        if (!Double.isNaN(baseline)) { ymin = Math.min(ymin, baseline); ymax = Math.max(ymax, baseline); }
        if (xmin == Double.MAX_VALUE) return "";
        double[] xr = niceRange(xmin, xmax), yr = niceRange(ymin, ymax);
        double pw = w - left - right, ph = h - top - bottom;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", w, h, w, h));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#ccc\"/>", left, top, pw, ph));
        for (int i = 0; i <= 5; i++) {
            double fx = xr[0] + (xr[1] - xr[0]) * i / 5, fy = yr[0] + (yr[1] - yr[0]) * i / 5;
            double px = left + pw * i / 5, py = top + ph - ph * i / 5;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e5e5e5\"/>", px, top, px, top + ph));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>", left, py, left + pw, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%s</text>", px, top + ph + 16, tick(fx, xr)));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>", left - 6, py + 4, tick(fy, yr)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>", left + pw / 2, h - 10, HtmlReport.esc(xLabel)));
        b.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.0f)\">%s</text>", top + ph / 2, top + ph / 2, HtmlReport.esc(yLabel)));
        int legendY = top + 10;
        if (!Double.isNaN(baseline)) {
            double py = top + ph - ph * (baseline - yr[0]) / (yr[1] - yr[0]);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>", left, py, left + pw, py));
            b.append(legend(w - right + 10, legendY, "#555", true, baselineLabel));
            legendY += 18;
        }
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            String c = COLORS[si % COLORS.length];
            for (Point p : s.samples()) {
                double px = left + pw * (p.x() - xr[0]) / (xr[1] - xr[0]), py = top + ph - ph * (p.y() - yr[0]) / (yr[1] - yr[0]);
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" fill-opacity=\"0.45\"/>", px, py, c));
            }
            StringBuilder pts = new StringBuilder();
            for (Point p : s.points()) {
                double px = left + pw * (p.x() - xr[0]) / (xr[1] - xr[0]), py = top + ph - ph * (p.y() - yr[0]) / (yr[1] - yr[0]);
                if (p.lo() < p.hi()) {
                    double plo = top + ph - ph * (p.lo() - yr[0]) / (yr[1] - yr[0]), phi = top + ph - ph * (p.hi() - yr[0]) / (yr[1] - yr[0]);
                    b.append(String.format(Locale.ROOT, "<line class=\"range\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                            px, plo, px, phi, c));
                    for (double yy : new double[] {plo, phi})
                        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                                px - 4, yy, px + 4, yy, c));
                }
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s: %s, %s</title></circle>",
                        px, py, c, HtmlReport.esc(s.name()), tick(p.x(), xr),
                        tick(p.y(), yr) + (p.lo() < p.hi() ? " (mean; runs " + tick(p.lo(), yr) + "–" + tick(p.hi(), yr) + ")" : "")));
            }
            b.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>", pts.toString().trim(), c));
            b.append(legend(w - right + 10, legendY, c, false, s.name()));
            legendY += 18;
        }
        return b.append("</svg>").toString();
    }

    private static String legend(int x, int y, String color, boolean dashed, String label) {
        return String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>"
                        + "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>", x, y, x + 22, y, color,
                dashed ? " stroke-dasharray=\"6 4\"" : "", x + 28, y + 4, HtmlReport.esc(label));
    }

    /** Per-layer bars: kept (solid) over total (light), with "kept/total" labels. */
    static String bars(int[] kept, int[] total, String color, String unit) {
        int n = kept.length, w = 640, rowH = 24, left = 70, right = 90, top = 6;
        int h = top * 2 + n * rowH;
        double max = 1;
        for (int i = 0; i < n; i++) max = Math.max(max, Math.max(kept[i], total == null || i >= total.length ? 0 : total[i]));
        double pw = w - left - right;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", w, h, w, h));
        for (int i = 0; i < n; i++) {
            int y = top + i * rowH;
            int tot = total == null || i >= total.length ? -1 : total[i];
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">layer %d</text>", left - 8, y + 16, i));
            if (tot >= 0) b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#e8e8e8\"/>", left, y + 3, pw * tot / max));
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>layer %d: %d%s %s kept</title></rect>",
                    left, y + 3, pw * kept[i] / max, color, i, kept[i], tot >= 0 ? " of " + tot : "", unit));
            b.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" font-size=\"12\">%d%s</text>", left + pw + 6, y + 16, kept[i], tot >= 0 ? " / " + tot : ""));
        }
        return b.append("</svg>").toString();
    }

    /**
     * Per row two bars on one scale: {@code before} (light) and {@code after} (solid), each labelled with its value;
     * e.g. a sub-layer's calibration error with the original and with the refitted projection.
     */
    static String pairedBars(String[] labels, double[] before, double[] after, String color) {
        int n = labels.length, w = 640, rowH = 30, left = 84, right = 120, top = 6;
        int h = top * 2 + n * rowH;
        double max = 1e-12;
        for (int i = 0; i < n; i++) max = Math.max(max, Math.max(before[i], after[i]));
        double pw = w - left - right;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", w, h, w, h));
        for (int i = 0; i < n; i++) {
            int y = top + i * rowH;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>", left - 8, y + 18, HtmlReport.esc(labels[i])));
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"11\" fill=\"#cfcfcf\"><title>%s: %.4g before</title></rect>",
                    left, y + 3, pw * before[i] / max, HtmlReport.esc(labels[i]), before[i]));
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"11\" fill=\"%s\"><title>%s: %.4g after</title></rect>",
                    left, y + 15, pw * after[i] / max, color, HtmlReport.esc(labels[i]), after[i]));
            b.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" font-size=\"11\">%.3g → %.3g</text>", left + pw + 6, y + 18, before[i], after[i]));
        }
        return b.append("</svg>").toString();
    }

    static double[] niceRange(double lo, double hi) {
        if (hi - lo < 1e-12) { double pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.05 : 1; lo -= pad; hi += pad; }
        double pad = (hi - lo) * 0.05;
        return new double[]{lo - pad, hi + pad};
    }

    private static String tick(double v, double[] range) {
        double span = range[1] - range[0];
        int digits = span >= 50 ? 0 : span >= 5 ? 1 : span >= 0.5 ? 2 : span >= 0.05 ? 3 : 4;
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
