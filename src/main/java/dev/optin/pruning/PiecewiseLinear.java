package dev.optin.pruning;

/**
 * f(k) = 0 for k = 0, c for 0 < k ≤ threshold, c + slope·(k − threshold) above (spec §5):
 * below the threshold the hardware is not saturated and extra units are free.
 */
public record PiecewiseLinear(double constant, double threshold, double slope) {
    public double at(int k) {
        if (k <= 0) return 0;
        return constant + slope * Math.max(0, k - threshold);
    }

    /**
     * Least-squares fit over candidate thresholds at the grid points: the constant is the mean
     * below the threshold, the slope the least-squares slope of the rest through (threshold, c);
     * the threshold with the smallest squared error wins (the lower one on ties).
     */
    public static PiecewiseLinear fit(int[] x, double[] y) {
        PiecewiseLinear best = null;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int t = 0; t < x.length; t++) {
            double c = 0;
            for (int i = 0; i <= t; i++) c += y[i];
            c /= t + 1;
            double num = 0, den = 0;
            for (int i = t + 1; i < x.length; i++) { double dx = x[i] - x[t]; num += dx * (y[i] - c); den += dx * dx; }
            double slope = den > 0 ? Math.max(0, num / den) : 0;
            PiecewiseLinear f = new PiecewiseLinear(c, x[t], slope);
            double err = 0;
            for (int i = 0; i < x.length; i++) { double e = f.at(x[i]) - y[i]; err += e * e; }
            if (err < bestErr - 1e-18) { bestErr = err; best = f; }
        }
        return best;
    }
}
