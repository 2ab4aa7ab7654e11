package dev.optin.pruning;

import dev.optin.model.Masks;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The budgeted selection of spec §2: heads and neurons are each sorted globally by importance
 * (descending; equal scores keep layer-major index order, so ties are deterministic); for every
 * head count n_h the rest of the budget buys the best neurons, and the n_h with the largest
 * total importance wins (the smallest such n_h on ties). With non-linear costs (measured
 * latency, §5) it delegates to {@link LatencySelection}.
 */
public final class BudgetedSelection {
    private BudgetedSelection() {}

    /** 0/1 masks with cost ≤ budget and maximal total importance. */
    public static Masks select(UnitScores scores, UnitCosts costs, double budget) {
        if (!(budget > 0) || Double.isInfinite(budget))
            throw new IllegalArgumentException("pruning budget must be a positive finite cost, got " + budget);
        if (!(costs instanceof UnitCosts.Linear lin)) return LatencySelection.select(scores, costs, budget);
        int L = scores.layers();
        int[][] heads = sorted(scores.head()), neurons = sorted(scores.neuron());   // {layer, index}
        double[] nCost = new double[neurons.length + 1], nValue = new double[neurons.length + 1];
        for (int i = 0; i < neurons.length; i++) {
            nCost[i + 1] = nCost[i] + lin.neuronCost(neurons[i][0]);
            nValue[i + 1] = nValue[i] + scores.neuron()[neurons[i][0]][neurons[i][1]];
        }
        double slack = 1e-9 * budget;   // cumulative sums of equal costs must not lose a unit to rounding
        int bestHeads = -1, bestNeurons = -1;
        double bestValue = Double.NEGATIVE_INFINITY, hCost = 0, hValue = 0;
        for (int nh = 0; nh <= heads.length; nh++) {
            if (nh > 0) {
                hCost += lin.headCost(heads[nh - 1][0]);
                hValue += scores.head()[heads[nh - 1][0]][heads[nh - 1][1]];
            }
            double left = budget - hCost;
            if (left < -slack) break;
            int nn = upperBound(nCost, left + slack);
            if (nh == 0 && heads.length > 0 && budget + slack >= lin.headCost(heads[0][0])) continue; // spec: n_h from 1 when a head fits
            double value = hValue + nValue[nn];
            if (nh + nn > 0 && value > bestValue) { bestValue = value; bestHeads = nh; bestNeurons = nn; }
        }
        if (bestHeads < 0) {
            double cheapest = Double.POSITIVE_INFINITY;
            for (int[] h : heads) cheapest = Math.min(cheapest, lin.headCost(h[0]));
            for (int[] n : neurons) cheapest = Math.min(cheapest, lin.neuronCost(n[0]));
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "pruning budget %.6g is smaller than the cost of a single head or neuron (the cheapest costs %.6g)", budget, cheapest));
        }
        Masks m = zeros(scores);
        for (int i = 0; i < bestHeads; i++) m.head[heads[i][0]][heads[i][1]] = 1f;
        for (int i = 0; i < bestNeurons; i++) m.neuron[neurons[i][0]][neurons[i][1]] = 1f;
        return m;
    }

    /** Largest k with cum[k] ≤ limit (cum is non-decreasing, cum[0] = 0). */
    private static int upperBound(double[] cum, double limit) {
        int lo = 0, hi = cum.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (cum[mid] <= limit) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /** Units as {layer, index}, by descending score, stable in layer-major order. */
    static int[][] sorted(double[][] s) {
        int n = 0;
        for (double[] r : s) n += r.length;
        int[][] u = new int[n][];
        int i = 0;
        for (int l = 0; l < s.length; l++) for (int j = 0; j < s[l].length; j++) u[i++] = new int[]{l, j};
        Arrays.sort(u, Comparator.comparingDouble((int[] a) -> -s[a[0]][a[1]]));   // TimSort is stable
        return u;
    }

    static Masks zeros(UnitScores s) {
        float[][] h = new float[s.layers()][], n = new float[s.layers()][];
        for (int l = 0; l < s.layers(); l++) { h[l] = new float[s.head()[l].length]; n[l] = new float[s.neuron()[l].length]; }
        return new Masks(h, n);
    }
}
