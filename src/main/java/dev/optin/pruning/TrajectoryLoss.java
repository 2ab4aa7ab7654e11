package dev.optin.pruning;

import dev.optin.engine.Gemm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The pieces of OPTIN's trajectory score (spec §3): manifold distillation between Gram
 * matrices of L2-normalised token features on a fixed token sample, the temperature-scaled
 * KL of the logits, and the rule that rescales KL to about 1/λ_c of the MD term.
 */
public final class TrajectoryLoss {
    private TrajectoryLoss() {}

    /** K distinct token rows out of [0, tokens), sorted, drawn from the seed (all rows if K ≥ tokens). */
    public static int[] sampleTokens(int tokens, int k, long seed) {
        if (k >= tokens) { int[] all = new int[tokens]; for (int i = 0; i < tokens; i++) all[i] = i; return all; }
        int[] perm = new int[tokens];
        for (int i = 0; i < tokens; i++) perm[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) { int j = i + r.nextInt(tokens - i); int t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        int[] s = Arrays.copyOf(perm, k);
        Arrays.sort(s);
        return s;
    }

    /** Gram matrix [K×K] of the L2-normalised rows rowOffset + rows[i] of features [·×D]. */
    public static float[] gram(float[] features, int rowOffset, int[] rows, int d) {
        int k = rows.length;
        float[] f = new float[k * d];
        for (int i = 0; i < k; i++) {
            int o = (rowOffset + rows[i]) * d;
            double n = 0;
            for (int j = 0; j < d; j++) n += (double) features[o + j] * features[o + j];
            float inv = (float) (1 / Math.max(Math.sqrt(n), 1e-12));
            for (int j = 0; j < d; j++) f[i * d + j] = features[o + j] * inv;
        }
        float[] g = new float[k * k];
        Gemm.symmetric(false, k, d, f, 0, d, g);
        return g;
    }

    /** MD = Σ (M_orig − M_masked)² over all K² entries. */
    public static double manifoldDistance(float[] gramOrig, float[] gramMasked) {
        double s = 0;
        for (int i = 0; i < gramOrig.length; i++) { double d = gramOrig[i] - gramMasked[i]; s += d * d; }
        return s;
    }

    /** T²·Σ_b KL(softmax(z_orig/T) ‖ softmax(z_masked/T)) over `batch` rows of `classes` logits. */
    public static double kl(float[] zOrig, int origRow, float[] zMasked, int maskedRow, int batch, int classes, double temperature) {
        return dev.optin.model.Loss.kl(zOrig, origRow, zMasked, maskedRow, batch, classes, temperature);
    }

    /**
     * The KL scaling rule, applied to units in a fixed order: when MD > KL > 0 the KL is scaled
     * by 10^trunc(log10(MD/KL) − log10 λ_c) and the scale remembered; otherwise by the mean of
     * the scales remembered so far (1 if none).
     */
    public static final class KlScaler {
        private final double lambda;
        private final List<Double> remembered = new ArrayList<>();

        public KlScaler(double lambda) { this.lambda = lambda; }

        public double scale(double md, double kl) {
            if (md > kl && kl > 0 && Double.isFinite(md / kl)) {
                double s = Math.pow(10, (long) (Math.log10(md / kl) - Math.log10(lambda)));
                remembered.add(s);
                return s;
            }
            if (remembered.isEmpty()) return 1;
            double sum = 0;
            for (double v : remembered) sum += v;
            return sum / remembered.size();
        }

        /** S = MD + scale·KL. */
        public double score(double md, double kl) { return md + scale(md, kl) * kl; }
    }
}
