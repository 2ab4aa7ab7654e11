package dev.optin.pruning;

import dev.optin.model.Masks;
import dev.optin.model.resnet.ResNetWeights;

import java.util.Locale;

/**
 * The budgeted selection (spec §2, {@link BudgetedSelection}) for ResNet channels: every group
 * keeps its highest-scoring channel (a block cannot lose all its inner channels), the rest are
 * ranked by score per MAC ({@code ranking} gives the score already in those units) and bought
 * while the budget lasts. The exact MACs of the chosen masks ({@link ChannelCosts#macs}) must
 * meet the budget: the budget handed to the selection is narrowed by bisection until they do
 * (one step for BasicBlock, where the linear costs are exact).
 */
public final class ChannelSelection {
    private ChannelSelection() {}

    /**
     * @param ranking  [group][channel], higher = keep first; compared across groups as they are
     * @param fraction kept share of the original network's exact MACs
     */
    public static Masks select(ResNetWeights w, ChannelCosts costs, double[][] ranking, double fraction) {
        return select(w, costs, ranking, fraction, 1);
    }

    /**
     * As {@link #select(ResNetWeights, ChannelCosts, double[][], double)}, each group's kept count
     * then rounded to a multiple of {@code align} (at least align, at most the group), keeping the
     * group's best-ranked channels: runtimes' convolution kernels run channel blocks of 8 or 16,
     * and odd widths fall off their fast paths. The bisection makes the rounded masks meet the budget.
     */
    public static Masks select(ResNetWeights w, ChannelCosts costs, double[][] ranking, double fraction, int align) {
        if (align < 1) throw new IllegalArgumentException("channel alignment must be positive, got " + align);
        int G = ranking.length;
        double[][] r = new double[G][];
        for (int g = 0; g < G; g++) {
            r[g] = ranking[g].clone();
            int best = 0;
            for (int j = 1; j < r[g].length; j++) if (r[g][j] > r[g][best]) best = j;
            r[g][best] = Double.POSITIVE_INFINITY;   // one channel per group first
        }
        double target = fraction * costs.total();
        Masks minimal = aligned(oneEach(r), r, align);
        long floor = costs.macs(minimal);
        if (floor > target)
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "budget %.4f of the MACs is too small to keep %d channel(s) per block: that alone needs %.4f", fraction, align, floor / (double) costs.total()));
        UnitScores scores = new UnitScores(new double[G][0], r);
        // the largest linear budget whose selection fits exactly: between the mandatory channels and all of them
        double lo = 0, hi = costs.total() - costs.fixed();
        for (int g = 0; g < G; g++) lo += costs.neuronCost(g);
        Masks best = minimal;
        Masks m = aligned(BudgetedSelection.select(scores, costs, Math.min(hi, target - costs.fixed())), r, align);
        if (costs.macs(m) <= target) { best = m; lo = Math.max(lo, target - costs.fixed()); }
        else hi = target - costs.fixed();
        for (int it = 0; it < 50 && hi - lo > 1e-6 * hi; it++) {
            double mid = (lo + hi) / 2;
            m = aligned(BudgetedSelection.select(scores, costs, mid), r, align);
            if (costs.macs(m) <= target) { best = m; lo = mid; }
            else hi = mid;
        }
        return best;
    }

    /** Each group's kept count rounded to the nearest multiple of align (within [align, size]), best-ranked channels first. */
    static Masks aligned(Masks m, double[][] r, int align) {
        if (align == 1) return m;
        float[][] n = new float[r.length][];
        for (int g = 0; g < r.length; g++) {
            int size = r[g].length, kept = m.keptNeurons(g);
            int k = Math.min(size, Math.max(align, (int) Math.round(kept / (double) align) * align));
            Integer[] order = new Integer[size];
            for (int j = 0; j < size; j++) order[j] = j;
            final double[] rg = r[g];
            java.util.Arrays.sort(order, (a, b) -> Double.compare(rg[b], rg[a]));   // stable: equal ranks keep index order
            n[g] = new float[size];
            for (int j = 0; j < k; j++) n[g][order[j]] = 1f;
        }
        return new Masks(new float[r.length][0], n);
    }

    private static Masks oneEach(double[][] r) {
        float[][] n = new float[r.length][];
        for (int g = 0; g < r.length; g++) {
            n[g] = new float[r[g].length];
            for (int j = 0; j < r[g].length; j++) if (r[g][j] == Double.POSITIVE_INFINITY) n[g][j] = 1f;
        }
        return new Masks(new float[r.length][0], n);
    }
}
