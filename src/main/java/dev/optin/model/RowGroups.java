package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Parallel;

/**
 * Splits the rows (tokens) of a batch too small for {@link SequenceGroups} (a single sequence, or fewer
 * sequences than threads) into one contiguous group per thread, for {@link TransformerLayer#forwardRows}:
 * each thread then runs every product, norm and activation of its rows, and attention for its query rows,
 * with two hand-offs per layer instead of one per product. Every output row is the same sequence of
 * operations as in the unsplit layer when each product keeps its GEMM kernel for the group's rows
 * ({@link Gemm#sameKernel}), which {@link #of} checks for every layer and every (group, sequence) part of
 * attention; otherwise the batch runs unsplit.
 */
final class RowGroups {
    private RowGroups() {}

    /** A group holds at least this many rows: below it per-product parallelism (or none) is as good. */
    static final int MIN_ROWS = 32;
    /** Group boundaries fall on multiples of the GEMM kernel's tallest row tile, so no group starts with a partial tile. */
    static final int ALIGN = 8;

    /** Forced by tests: 0 = off, k = k groups whatever the threads and rows ({@code null}: decided by {@link #of}). */
    static volatile Integer forced;

    /** The first row of each group and then batch.tokens, or null when the batch should run unsplit. */
    static int[] of(Batch batch, EncoderConfig c, int startLayer) {
        Integer f = forced;
        int n = batch.tokens, groups = f != null ? f : Math.min(Parallel.threads(), n / MIN_ROWS);
        if (groups < 2) return null;
        int[] starts = new int[groups + 1];
        for (int g = 1; g < groups; g++) starts[g] = (int) Math.round((double) n * g / groups / ALIGN) * ALIGN;
        starts[groups] = n;
        for (int g = 0; g < groups; g++) if (starts[g + 1] <= starts[g]) return null;
        return keepsKernels(batch, c, startLayer, starts) ? starts : null;
    }

    private static boolean keepsKernels(Batch batch, EncoderConfig c, int startLayer, int[] starts) {
        int dh = c.headSize();
        for (int g = 0; g + 1 < starts.length; g++) {
            int r0 = starts[g], r1 = starts[g + 1];
            if (!SequenceGroups.productsKeepKernel(c, startLayer, r1 - r0, batch.tokens)) return false;
            for (int s = 0; s < batch.size(); s++) {
                int row0 = batch.offsets[s], len = batch.length(s), q = Math.min(r1, row0 + len) - Math.max(r0, row0);
                if (q > 0 && (!Gemm.sameKernel(q, len, len, dh) || !Gemm.sameKernel(q, len, dh, len))) return false;
            }
        }
        return true;
    }
}
