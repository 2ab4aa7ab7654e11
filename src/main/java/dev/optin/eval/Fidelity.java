package dev.optin.eval;

import dev.optin.engine.Parallel;

/**
 * How well a pruned model keeps the original's embeddings: both given as [n×d] row-major
 * arrays of the same n sentences.
 */
public final class Fidelity {
    private Fidelity() {}

    /** Mean over sentences of cos(a_i, b_i). */
    public static double meanCosine(float[] a, float[] b, int n) {
        int d = dim(a, b, n);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += cosine(a, i, b, i, d);
        return sum / n;
    }

    /**
     * Mean over sentences of |kNN_a(i) ∩ kNN_b(i)| / k, where kNN_x(i) are the k sentences
     * most cosine-similar to sentence i under embeddings x (i itself excluded; ties broken by
     * index). k is capped at n-1.
     */
    public static double topKOverlap(float[] a, float[] b, int n, int k) {
        int d = dim(a, b, n);
        if (n < 2) throw new IllegalArgumentException("nearest-neighbour overlap needs at least 2 sentences");
        int kk = Math.min(k, n - 1);
        double[] per = new double[n];
        Parallel.forEach(n, i -> {
            int[] na = neighbours(a, i, n, d, kk), nb = neighbours(b, i, n, d, kk);
            boolean[] in = new boolean[n];
            for (int j : na) in[j] = true;
            int common = 0;
            for (int j : nb) if (in[j]) common++;
            per[i] = (double) common / kk;
        });
        double s = 0;
        for (double v : per) s += v;
        return s / n;
    }

    static int[] neighbours(float[] x, int i, int n, int d, int k) {
        double[] sim = new double[n];
        Integer[] idx = new Integer[n - 1];
        for (int j = 0, m = 0; j < n; j++) if (j != i) { sim[j] = cosine(x, i, x, j, d); idx[m++] = j; }
        java.util.Arrays.sort(idx, (p, q) -> sim[p] != sim[q] ? Double.compare(sim[q], sim[p]) : Integer.compare(p, q));
        int[] r = new int[k];
        for (int m = 0; m < k; m++) r[m] = idx[m];
        return r;
    }

    static double cosine(float[] a, int i, float[] b, int j, int d) {
        double dot = 0, na = 0, nb = 0;
        for (int t = 0; t < d; t++) {
            double x = a[i * d + t], y = b[j * d + t];
            dot += x * y; na += x * x; nb += y * y;
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static int dim(float[] a, float[] b, int n) {
        if (n <= 0) throw new IllegalArgumentException("no embeddings");
        if (a.length != b.length || a.length % n != 0)
            throw new IllegalArgumentException("embedding sets differ in shape: " + a.length + " vs " + b.length + " values for " + n + " sentences");
        return a.length / n;
    }
}
