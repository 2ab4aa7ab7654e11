package dev.optin.pruning;

import dev.optin.model.Masks;

/**
 * Selection under non-linear block costs (measured latency, spec §5). Each layer's attention
 * block and FFN is one choice "keep its k most important units" with cost f(k) and value the
 * sum of those k scores; a dynamic program over the budget (discretised into {@link #BINS}
 * bins, costs rounded up so the result never exceeds the budget) picks one k per block.
 * With a piecewise-linear f, keeping up to the threshold count is free once the block is kept,
 * and k = 0 saves the block's constant.
 */
public final class LatencySelection {
    static final int BINS = 4000;

    private LatencySelection() {}

    public static Masks select(UnitScores scores, UnitCosts costs, double budget) {
        if (!(budget > 0) || Double.isInfinite(budget))
            throw new IllegalArgumentException("pruning budget must be a positive finite cost, got " + budget);
        // Nearest-bin rounding finds exact fits; if rounding down let the result overrun, redo with costs rounded up.
        Masks m = select(scores, costs, budget, false);
        return costs.total(m) <= budget * (1 + 1e-12) ? m : select(scores, costs, budget, true);
    }

    private static int bins(double cost, double budget, boolean up) {
        double b = cost / budget * BINS;
        b = up ? Math.ceil(b - 1e-9) : Math.rint(b);
        return b > BINS ? Integer.MAX_VALUE : (int) Math.max(0, b);
    }

    private static Masks select(UnitScores scores, UnitCosts costs, double budget, boolean up) {
        int L = scores.layers(), blocks = 2 * L;
        int[][][] order = new int[blocks][][];
        double[] dp = new double[BINS + 1];          // best value with cost ≤ b bins, over blocks so far
        int[][] choice = new int[blocks][BINS + 1];
        for (int blk = 0; blk < blocks; blk++) {
            int l = blk / 2;
            boolean attn = blk % 2 == 0;
            double[] s = attn ? scores.head()[l] : scores.neuron()[l];
            int[][] ord = BudgetedSelection.sorted(new double[][]{s});
            order[blk] = ord;
            double[] value = new double[s.length + 1];
            int[] bins = new int[s.length + 1];
            for (int k = 0; k <= s.length; k++) {
                if (k > 0) value[k] = value[k - 1] + s[ord[k - 1][1]];
                double c = attn ? costs.attention(l, k) : costs.ffn(l, k);
                bins[k] = bins(c, budget, up);
            }
            double[] next = new double[BINS + 1];
            java.util.Arrays.fill(next, Double.NEGATIVE_INFINITY);
            for (int b = 0; b <= BINS; b++) {
                for (int k = 0; k <= s.length; k++) {
                    if (bins[k] > b) continue;
                    double prev = blk == 0 ? 0 : dp[b - bins[k]];
                    double v = prev + value[k];
                    if (v > next[b]) { next[b] = v; choice[blk][b] = k; }
                }
            }
            dp = next;
        }
        if (dp[BINS] == Double.NEGATIVE_INFINITY)
            throw new IllegalArgumentException("latency budget " + budget + " cannot hold even an empty model");
        Masks m = BudgetedSelection.zeros(scores);
        int b = BINS, kept = 0;
        for (int blk = blocks - 1; blk >= 0; blk--) {
            int k = choice[blk][b], l = blk / 2;
            double c = blk % 2 == 0 ? costs.attention(l, k) : costs.ffn(l, k);
            b -= bins(c, budget, up);
            for (int i = 0; i < k; i++) {
                if (blk % 2 == 0) m.head[l][order[blk][i][1]] = 1f; else m.neuron[l][order[blk][i][1]] = 1f;
            }
            kept += k;
        }
        if (kept == 0) throw new IllegalArgumentException("latency budget " + budget + " is too small to keep any unit");
        return m;
    }
}
