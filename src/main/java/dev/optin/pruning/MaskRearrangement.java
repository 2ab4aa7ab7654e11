package dev.optin.pruning;

import dev.optin.model.Masks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Kwon et al.'s mask rearrangement (spec §4), per layer with the kept count fixed: start from
 * the units of smallest Σg² as the pruned set P; for each remaining unit in ascending Σg² order,
 * add it to P and drop from P the unit whose removal leaves the smallest ‖Σ_{v∈P} g_v‖²
 * (the block-diagonal Fisher estimate of the joint loss increase). Ties go to the lower position.
 */
public final class MaskRearrangement {
    private MaskRearrangement() {}

    /** Rearranges every layer's heads and neurons; per-batch gradients as from {@link FisherImportance}. */
    public static Masks rearrange(Masks masks, List<float[][]> headGradients, List<float[][]> neuronGradients) {
        Masks out = masks.copy();
        for (int l = 0; l < masks.layers(); l++) {
            out.head[l] = layer(masks.head[l], column(headGradients, l));
            out.neuron[l] = layer(masks.neuron[l], column(neuronGradients, l));
        }
        return out;
    }

    private static double[][] column(List<float[][]> grads, int l) {
        int units = grads.get(0)[l].length;
        double[][] g = new double[units][grads.size()];
        for (int i = 0; i < grads.size(); i++) for (int u = 0; u < units; u++) g[u][i] = grads.get(i)[l][u];
        return g;
    }

    /** One layer: mask (0 = pruned), g[unit][batch]. Returns the new 0/1 mask. */
    public static float[] layer(float[] mask, double[][] g) {
        int n = mask.length, kept = 0;
        for (float v : mask) if (v != 0f) kept++;
        int pruned = n - kept;
        if (kept == 0 || pruned == 0) return mask.clone();
        double[] sq = new double[n];
        for (int u = 0; u < n; u++) for (double v : g[u]) sq[u] += v * v;
        List<Integer> order = new ArrayList<>();
        for (int u = 0; u < n; u++) order.add(u);
        order.sort(Comparator.comparingDouble(u -> sq[u]));
        List<Integer> p = new ArrayList<>(order.subList(0, pruned));
        int batches = g[0].length;
        for (int idx = pruned; idx < n; idx++) {
            p.add(order.get(idx));
            double[] sum = new double[batches];
            for (int u : p) for (int i = 0; i < batches; i++) sum[i] += g[u][i];
            int removed = 0;
            double best = Double.POSITIVE_INFINITY;
            for (int k = 0; k < p.size(); k++) {
                double len = 0;
                for (int i = 0; i < batches; i++) { double d = sum[i] - g[p.get(k)][i]; len += d * d; }
                if (len < best) { best = len; removed = k; }
            }
            p.remove(removed);
        }
        float[] r = new float[n];
        java.util.Arrays.fill(r, 1f);
        for (int u : p) r[u] = 0f;
        return r;
    }
}
