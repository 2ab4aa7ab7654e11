package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Parallel;

/**
 * Splits a batch into groups of whole sequences that run through the layers side by side, one
 * group per task of a single parallel loop, instead of one parallel loop per product and per
 * attention pass (a dozen hand-offs per layer). Every output row is the same sequence of
 * operations either way (GEMM rows do not depend on how many rows a product has, as long as
 * the kernel is the same: {@link Gemm#sameKernel}; norms, softmax and activations are per row or
 * per sequence), so grouping never changes a result.
 */
final class SequenceGroups {
    private SequenceGroups() {}

    /**
     * A group holds at least this many rows (tokens) unless the batch runs out: every group streams all the weights
     * through the cache once per layer, and products of fewer rows lose speed (256 against 128: 1.5-3% more tokens/s
     * at 8×128 and 32×128 on 2 threads, docs/measurements.md).
     */
    static final int MIN_ROWS = 256;
    /** Groups per thread at least, so that a thread that falls behind holds back a small share of the work. */
    static final int PER_THREAD = 2;

    /** Forced on or off by tests ({@code null}: decided by {@link #of}). */
    static volatile Boolean forced;

    /**
     * First sequence of each group and then batch.size(), or null when the batch should run as one
     * (too few groups for the threads, or some product would change kernel between a group and the batch).
     */
    static int[] of(Batch batch, EncoderConfig c, int startLayer) {
        Boolean f = forced;
        if (f != null && !f) return null;
        int threads = Parallel.threads();
        if (f == null && threads < 2) return null;
        int[] starts = new int[batch.size() + 1];
        int groups = 0, rows = 0, minRows = Integer.MAX_VALUE;
        for (int s = 0; s < batch.size(); s++) {
            if (rows == 0) starts[groups++] = s;
            rows += batch.length(s);
            if (rows >= MIN_ROWS || s == batch.size() - 1) { minRows = Math.min(minRows, rows); rows = 0; }
        }
        starts[groups] = batch.size();
        if (groups < 2 || (f == null && groups < PER_THREAD * threads)) return null;
        if (!productsKeepKernel(c, startLayer, minRows, batch.tokens)) return null;
        return java.util.Arrays.copyOf(starts, groups + 1);
    }

    /** Whether every layer product from startLayer on takes the same GEMM kernel with rows rows as with all tokens ({@link Gemm#sameKernel}). */
    static boolean productsKeepKernel(EncoderConfig c, int startLayer, int rows, int tokens) {
        int d = c.hidden();
        for (int l = startLayer; l < c.layers(); l++) {
            int a = c.heads(l) * c.headSize(), i = c.intermediate(l);
            if (!Gemm.sameKernel(rows, tokens, 3 * a, d) || !Gemm.sameKernel(rows, tokens, d, a)
                    || !Gemm.sameKernel(rows, tokens, i, d) || !Gemm.sameKernel(rows, tokens, d, i)) return false;
        }
        return true;
    }
}
