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

    /** Rows a large group aims at ({@link #largeGroupRows}). */
    static final int LARGE_ROWS = 512;

    /**
     * Rows per group when groups should be large, else 0. Every group streams each layer's weights through the cache
     * once. Where a layer's weights outweigh a group's FFN activations (MiniLM and BERT widths), groups of about
     * {@link #LARGE_ROWS} rows, as many as a multiple of the threads, stream them fewer times and were faster than
     * groups of {@link #MIN_ROWS}, two per thread; where the activations weigh more (small ViTs) the larger groups
     * were slower, so those keep {@link #MIN_ROWS} (docs/measurements.md, 2026-12-05). Only for batches that give
     * every thread at least {@link #PER_THREAD} groups of {@link #MIN_ROWS}.
     */
    static int largeGroupRows(int tokens, EncoderConfig c, int startLayer, int threads) {
        if (tokens < (long) PER_THREAD * threads * MIN_ROWS || c.layers() <= startLayer) return 0;
        int groups = threads * Math.max(1, tokens / (threads * LARGE_ROWS)), rows = (tokens + groups - 1) / groups;
        long weights = 0, activations = 0, d = c.hidden();
        for (int l = startLayer; l < c.layers(); l++) {
            long a = (long) c.heads(l) * c.headSize(), i = c.intermediate(l);
            weights += 4 * a * d + 2 * d * i;
            activations += rows * i;
        }
        return weights > activations ? rows : 0;
    }

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
        int large = f == null ? largeGroupRows(batch.tokens, c, startLayer, threads) : 0;
        int[] starts = large > 0 ? split(batch, large, c, startLayer) : null;
        int needed = threads;   // large groups: one per thread at least
        if (starts == null || starts.length - 1 < threads) {
            starts = split(batch, MIN_ROWS, c, startLayer);
            needed = PER_THREAD * threads;
        }
        if (starts == null || starts.length - 1 < 2 || (f == null && starts.length - 1 < needed)) return null;
        return starts;
    }

    /**
     * Whole sequences in groups of at least target rows (the last may be smaller): first sequence of each, then
     * batch.size(); null when a group's products would take another kernel than the batch's.
     */
    private static int[] split(Batch batch, int target, EncoderConfig c, int startLayer) {
        int[] starts = new int[batch.size() + 1];
        int groups = 0, rows = 0, minRows = Integer.MAX_VALUE;
        for (int s = 0; s < batch.size(); s++) {
            if (rows == 0) starts[groups++] = s;
            rows += batch.length(s);
            if (rows >= target || s == batch.size() - 1) { minRows = Math.min(minRows, rows); rows = 0; }
        }
        starts[groups] = batch.size();
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
