package dev.optin.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Semantic-segmentation metrics over a whole set: per class, intersections and unions of the
 * predicted and true pixels summed over every image; IoU_c = I_c / U_c; mIoU is the mean over the
 * classes whose union is not empty (all of them on a set where each class occurs); pixel accuracy
 * is the share of correctly labelled pixels. Pixels labelled {@code ignore} count nowhere.
 */
public final class SegmentationMetrics {
    private final long[] intersection, union;
    private final int ignore;
    private long correct, counted;
    private long agreeing, compared;   // pixels scored against another model's classes (addAgreement)

    public SegmentationMetrics(int classes, int ignore) {
        this.intersection = new long[classes];
        this.union = new long[classes];
        this.ignore = ignore;
    }

    /** Adds n pixels: predicted[p0 + i] against truth[t0 + i]. */
    public void add(int[] predicted, int p0, int[] truth, int t0, int n) {
        for (int i = 0; i < n; i++) {
            int t = truth[t0 + i], p = predicted[p0 + i];
            if (t == ignore) continue;
            counted++;
            if (p == t) { correct++; intersection[t]++; union[t]++; }
            else { union[t]++; union[p]++; }
        }
    }

    /**
     * Adds n pixels to the agreement with another model: predicted[p0 + i] against reference[r0 + i], on the pixels
     * the other metrics count (truth[t0 + i] not ignored), so |Δ pixel accuracy| ≤ 1 − agreement.
     */
    public void addAgreement(int[] predicted, int p0, short[] reference, int r0, int[] truth, int t0, int n) {
        for (int i = 0; i < n; i++) {
            if (truth[t0 + i] == ignore) continue;
            compared++;
            if (predicted[p0 + i] == reference[r0 + i]) agreeing++;
        }
    }

    /** IoU of every class, NaN where the class is neither predicted nor present. */
    public double[] perClassIou() {
        double[] r = new double[union.length];
        for (int c = 0; c < r.length; c++) r[c] = union[c] == 0 ? Double.NaN : intersection[c] / (double) union[c];
        return r;
    }

    public double miou() {
        double s = 0;
        int n = 0;
        for (double v : perClassIou()) if (!Double.isNaN(v)) { s += v; n++; }
        return n == 0 ? Double.NaN : s / n;
    }

    public double pixelAccuracy() { return counted == 0 ? Double.NaN : correct / (double) counted; }

    /**
     * {@code miou} and {@code pixel_accuracy} (the keys of reports and {@code optin eval --json}), and {@code agreement}
     * (the share of those pixels on which the model chose the reference model's class) where {@link #addAgreement} ran.
     */
    public Map<String, Double> summary() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("miou", miou());
        m.put("pixel_accuracy", pixelAccuracy());
        if (compared > 0) m.put("agreement", agreeing / (double) compared);
        return m;
    }

    /** The summary and {@code iou/<class name>} per class (names by index; classes without pixels left out). */
    public Map<String, Double> withPerClass(List<String> names) {
        Map<String, Double> m = summary();
        double[] iou = perClassIou();
        for (int c = 0; c < iou.length; c++)
            if (!Double.isNaN(iou[c])) m.put("iou/" + (c < names.size() ? names.get(c) : Integer.toString(c)), iou[c]);
        return m;
    }
}
