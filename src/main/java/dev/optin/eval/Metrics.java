package dev.optin.eval;

import java.util.Arrays;

/** Task metrics as GLUE reports them (fractions, not percentages). */
public final class Metrics {
    private Metrics() {}

    public static double accuracy(int[] predicted, int[] gold) {
        check(predicted.length, gold.length);
        int ok = 0;
        for (int i = 0; i < gold.length; i++) if (predicted[i] == gold[i]) ok++;
        return (double) ok / gold.length;
    }

    /**
     * The fraction of rows on which a pruned model predicts what the original model predicted (label-free fidelity:
     * 1 for the original itself). Its accuracy differs from the original's by at most 1 − agreement.
     */
    public static double agreement(int[] pruned, int[] original) {
        return accuracy(pruned, original);
    }

    /** F1 of the positive class 1 (MRPC, QQP); 0 when there are no true positives. */
    public static double f1(int[] predicted, int[] gold) {
        check(predicted.length, gold.length);
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean p = predicted[i] == 1, g = gold[i] == 1;
            if (p && g) tp++; else if (p) fp++; else if (g) fn++;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /**
     * Matthews correlation (CoLA), in its multi-class form (Gorodkin's R_K), which for two
     * classes is (tp·tn − fp·fn)/√((tp+fp)(tp+fn)(tn+fp)(tn+fn)); 0 when undefined (as sklearn).
     */
    public static double mcc(int[] predicted, int[] gold) {
        check(predicted.length, gold.length);
        int k = 0;
        for (int i = 0; i < gold.length; i++) k = Math.max(k, Math.max(predicted[i], gold[i]) + 1);
        double[] t = new double[k], p = new double[k];
        double c = 0, s = gold.length;
        for (int i = 0; i < gold.length; i++) {
            t[gold[i]]++; p[predicted[i]]++;
            if (predicted[i] == gold[i]) c++;
        }
        double pt = 0, pp = 0, tt = 0;
        for (int j = 0; j < k; j++) { pt += p[j] * t[j]; pp += p[j] * p[j]; tt += t[j] * t[j]; }
        double den = Math.sqrt(s * s - pp) * Math.sqrt(s * s - tt);
        return den == 0 ? 0 : (c * s - pt) / den;
    }

    /** Pearson correlation; NaN when either side is constant. */
    public static double pearson(double[] x, double[] y) {
        check(x.length, y.length);
        int n = x.length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
        mx /= n; my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /** Spearman correlation: Pearson of the ranks, tied values sharing their average rank. */
    public static double spearman(double[] x, double[] y) {
        check(x.length, y.length);
        return pearson(ranks(x), ranks(y));
    }

    /** 1-based ranks, ties averaged. */
    public static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int m = i; m <= j; m++) r[order[m]] = avg;
            i = j + 1;
        }
        return r;
    }

    private static void check(int a, int b) {
        if (a != b) throw new IllegalArgumentException("predictions and gold answers differ in number: " + a + " vs " + b);
        if (a == 0) throw new IllegalArgumentException("no examples to score");
    }
}
