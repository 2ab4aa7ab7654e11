package dev.optin.pruning;

import dev.optin.model.Linear;

import java.util.List;

/**
 * A sub-layer's input projections refitted to the dense model's inputs: on the calibration tokens the pruned prefix
 * gives the sub-layer inputs x_s where the dense model gives x_t; the ridge least squares x_s·(I + V) + b ≈ x_t (V
 * shrunk towards 0, so the map towards the identity) is folded into every projection that reads that input (query,
 * key and value; the FFN's first projection): W' = W·(I + V)ᵀ, b' = b_W + W·b. Every unit's projection then computes
 * from the student's input what it would from the corrected one, so the kept units' activations are the least-squares
 * estimate of the dense model's from the student's input, which is linear in it.
 */
final class InputAlignment {
    private final double[] v;     // [D×D] row i: how input i feeds each corrected input
    private final double[] bias;  // [D]
    private final int d;

    private InputAlignment(int d, double[] v, double[] bias) { this.d = d; this.v = v; this.bias = bias; }

    /**
     * Calibration tokens per coefficient of one output's regression (D + 1 of them) below which no alignment is fitted:
     * the map has D² coefficients, and on the demo's 64 sentences (818 tokens, D = 384) it lowered the held-out
     * fidelity that 2,048 sentences (about 27,000 tokens) raised on every seed (docs/measurements.md).
     */
    static final int TOKENS_PER_COEFFICIENT = 10;

    /**
     * The alignment fitted on per-batch student and teacher inputs ([tokens×D] each, same rows); null (the caller keeps
     * the projections as they are) when there are fewer than {@link #TOKENS_PER_COEFFICIENT}·(D + 1) tokens, or when
     * the system cannot be solved.
     */
    static InputAlignment fit(List<float[]> student, List<float[]> teacher, int[] tokens, int d, double damping) {
        long n = 0;
        for (int t : tokens) n += t;
        if (n < (long) TOKENS_PER_COEFFICIENT * (d + 1)) return null;
        ProjectionFit fit = new ProjectionFit(d, d);
        for (int i = 0; i < student.size(); i++) {
            float[] s = student.get(i), t = teacher.get(i);
            float[] diff = new float[s.length];
            for (int k = 0; k < diff.length; k++) diff[k] = t[k] - s[k];
            fit.add(s, diff, tokens[i]);
        }
        ProjectionFit.Solution sol = fit.solve(damping);
        return sol == null ? null : new InputAlignment(d, sol.v(), sol.bias());
    }

    /** p reading the corrected input, expressed on the uncorrected one: W·(I + V)ᵀ and b + W·b_align. */
    Linear foldInto(Linear p) {
        if (p.in != d) throw new IllegalArgumentException("projection reads " + p.in + " inputs, alignment has " + d);
        int O = p.out;
        float[] w = new float[O * d], b = new float[O];
        double[] row = new double[d];
        for (int o = 0; o < O; o++) {
            for (int i = 0; i < d; i++) row[i] = p.weight[o * d + i];
            double bo = p.bias == null ? 0 : p.bias[o];
            for (int j = 0; j < d; j++) bo += row[j] * bias[j];
            b[o] = (float) bo;
            for (int i = 0; i < d; i++) {
                double acc = row[i];
                for (int j = 0; j < d; j++) acc += row[j] * v[i * d + j];
                w[o * d + i] = (float) acc;
            }
        }
        return new Linear(O, d, w, b);
    }
}
