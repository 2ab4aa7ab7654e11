package dev.optin.model;

import java.util.Arrays;

/**
 * OPTIN/ToMe token reduction by bipartite soft matching. The non-prefix tokens of each image are
 * split alternately into A (even) and B (odd); every A token is matched to its most similar B
 * token (cosine similarity of the layer input), and the r best-matched A tokens are merged into
 * their partners by size-weighted averaging. The prefix (CLS, and DeiT's distillation token) is
 * never merged. Every image of a batch shares one target count, so batches stay uniform.
 */
public final class TokenMerging {
    private TokenMerging() {}

    /** Merged activations, the new per-token sizes and the new batch. */
    public record Merged(float[] x, float[] sizes, Batch batch) {}

    /**
     * @param x      [tokens × d] activations of a batch of equal-length images
     * @param sizes  [tokens] how many original patches each token stands for
     * @param target tokens per image after merging (at least prefix + ceil(rest/2), never more than now)
     */
    public static Merged merge(float[] x, float[] sizes, Batch batch, int d, int prefix, int target) {
        int B = batch.size(), len = batch.length(0);
        for (int s = 1; s < B; s++) if (batch.length(s) != len) throw new IllegalArgumentException("token merging needs images of equal token counts");
        int rest = len - prefix, nA = (rest + 1) / 2, nB = rest / 2;
        int r = len - target;
        if (r <= 0) return new Merged(x, sizes, batch);
        if (r > Math.min(nA, nB)) throw new IllegalArgumentException("cannot merge " + len + " tokens down to " + target
                + " in one step (at most " + Math.min(nA, nB) + " pairs)");
        float[] out = new float[B * target * d], outSizes = new float[B * target];
        float[][] px = batch.pixels;
        for (int s = 0; s < B; s++) {
            int row0 = batch.offsets[s];
            float[] norm = new float[len];
            for (int t = 0; t < len; t++) {
                double q = 0;
                for (int j = 0; j < d; j++) { float v = x[(row0 + t) * d + j]; q += v * v; }
                norm[t] = (float) Math.sqrt(Math.max(q, 1e-24));
            }
            int[] best = new int[nA];
            float[] score = new float[nA];
            for (int a = 0; a < nA; a++) {
                int ta = prefix + 2 * a;
                float bestSim = Float.NEGATIVE_INFINITY;
                for (int b = 0; b < nB; b++) {
                    int tb = prefix + 2 * b + 1;
                    double dot = 0;
                    for (int j = 0; j < d; j++) dot += x[(row0 + ta) * d + j] * x[(row0 + tb) * d + j];
                    float sim = (float) (dot / (norm[ta] * norm[tb]));
                    if (sim > bestSim) { bestSim = sim; best[a] = b; }
                }
                score[a] = bestSim;
            }
            // the r most similar A tokens merge (ties: lower index first, for determinism)
            Integer[] order = new Integer[nA];
            for (int a = 0; a < nA; a++) order[a] = a;
            Arrays.sort(order, (p, q) -> score[p] != score[q] ? Float.compare(score[q], score[p]) : Integer.compare(p, q));
            boolean[] merged = new boolean[nA];
            for (int i = 0; i < r; i++) merged[order[i]] = true;
            // size-weighted sums into B tokens
            double[] acc = new double[nB * d];
            double[] accSize = new double[nB];
            for (int b = 0; b < nB; b++) {
                int tb = prefix + 2 * b + 1;
                float sz = sizes[row0 + tb];
                accSize[b] = sz;
                for (int j = 0; j < d; j++) acc[b * d + j] = (double) sz * x[(row0 + tb) * d + j];
            }
            for (int a = 0; a < nA; a++) if (merged[a]) {
                int ta = prefix + 2 * a, b = best[a];
                float sz = sizes[row0 + ta];
                accSize[b] += sz;
                for (int j = 0; j < d; j++) acc[b * d + j] += (double) sz * x[(row0 + ta) * d + j];
            }
            // output order: prefix, then remaining tokens in their original order
            int o = s * target;
            for (int t = 0; t < len; t++) {
                boolean isPrefix = t < prefix;
                int k = t - prefix;
                if (isPrefix) {
                    System.arraycopy(x, (row0 + t) * d, out, o * d, d);
                    outSizes[o++] = sizes[row0 + t];
                } else if (k % 2 == 0) {
                    if (merged[k / 2]) continue;
                    System.arraycopy(x, (row0 + t) * d, out, o * d, d);
                    outSizes[o++] = sizes[row0 + t];
                } else {
                    int b = k / 2;
                    for (int j = 0; j < d; j++) out[o * d + j] = (float) (acc[b * d + j] / accSize[b]);
                    outSizes[o++] = (float) accSize[b];
                }
            }
            if (o != (s + 1) * target) throw new IllegalStateException("merge produced " + (o - s * target) + " tokens, expected " + target);
        }
        int[][] ids = new int[B][];
        Arrays.fill(ids, new int[target]);
        return new Merged(out, outSizes, new Batch(ids, null, px));
    }

    /** Largest reduction one merge step allows from len tokens (half of the non-prefix tokens). */
    public static int minTokensAfterOneStep(int len, int prefix) {
        return len - (len - prefix) / 2;
    }
}
