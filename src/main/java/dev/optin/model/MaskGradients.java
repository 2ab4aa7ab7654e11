package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;

/**
 * Gradients of a scalar loss with respect to every head and neuron mask, by a hand-written
 * backward pass through the encoder (activations only: weight gradients are never formed).
 * Reductions run in a fixed order, so gradients are identical from run to run.
 */
public final class MaskGradients {
    private MaskGradients() {}

    /** head[l][h] = d loss / d m_head, neuron[l][j] = d loss / d m_neuron, and the loss value. */
    public record Result(float[][] head, float[][] neuron, double loss, float[] logits) {}

    public static Result compute(Encoder encoder, Batch batch, Masks masks, Loss loss) {
        return compute(encoder, batch, masks, loss, true);
    }

    /** headRowsOnly: the last layer's output and its FFN backward only on the rows the head reads (same bits; false: all rows, for tests). */
    static Result compute(Encoder encoder, Batch batch, Masks masks, Loss loss, boolean headRowsOnly) {
        EncoderWeights w = encoder.weights();
        EncoderConfig c = encoder.config();
        if (!w.hasClassifier()) throw new IllegalArgumentException("mask gradients need a model with a classification head");
        ForwardResult fr = encoder.run(batch, Encoder.same(masks, batch.size()), 0, null, Capture.TRACE, headRowsOnly);
        int B = batch.size(), C = w.head().labels(), D = c.hidden();
        float[] dLogits = new float[fr.logits.length];
        double value = loss.valueAndGrad(fr.logits, B, C, dLogits);

        float[] dHidden = new float[batch.tokens * D];
        w.head().backward(fr.traces[c.layers() - 1].out, batch, c, dLogits, dHidden);

        float[][] gHead = new float[c.layers()][], gNeuron = new float[c.layers()][];
        for (int l = c.layers() - 1; l >= 0; l--) {
            gHead[l] = new float[c.heads(l)];
            gNeuron[l] = new float[c.intermediate(l)];
            dHidden = encoder.transformerLayer(l).backward(fr.traces[l], batch, masks.head[l], masks.neuron[l], dHidden,
                    gHead[l], gNeuron[l], l > 0);
        }
        return new Result(gHead, gNeuron, value, fr.logits);
    }

    /**
     * What K-prune's scores need, from a partial pass: layers startLayer..L-1 run on {@code input} (that
     * layer's input; null with startLayer 0 = embed the batch) and the loss is back-propagated down to
     * startLayer. Per layer l ≥ startLayer: d loss / d (one gate per context column) [A], d loss / d neuron
     * gate [I], and Σ over the batch's tokens of each output projection's squared input (context
     * columns before the head gate; activations before the neuron gate). Earlier layers' rows are null.
     */
    public record Columns(float[][] headColumns, float[][] neuron, double[][] contextSquares, double[][] activationSquares,
                          double loss, float[] logits, float[] startContext) {}

    public static Columns columns(Encoder encoder, Batch batch, Masks masks, Loss loss, int startLayer, float[] input) {
        return columns(encoder, batch, masks, loss, startLayer, input, null, true, true);
    }

    /**
     * As above. startContext (null: computed): layer startLayer's attention context before the head mask for this
     * input, as an earlier call returned it ({@link Columns#startContext}) with the same input and the same query, key
     * and value weights in that layer; the pass then skips their product and the attention core. startHeads false:
     * the start layer's head-column gradients are not wanted (left 0) and its backward stops after the FFN.
     */
    public static Columns columns(Encoder encoder, Batch batch, Masks masks, Loss loss, int startLayer, float[] input,
                                  float[] startContext, boolean startHeads) {
        return columns(encoder, batch, masks, loss, startLayer, input, startContext, startHeads, true);
    }

    /** headRowsOnly as in {@link #compute(Encoder, Batch, Masks, Loss, boolean)}. */
    static Columns columns(Encoder encoder, Batch batch, Masks masks, Loss loss, int startLayer, float[] input, boolean headRowsOnly) {
        return columns(encoder, batch, masks, loss, startLayer, input, null, true, headRowsOnly);
    }

    private static Columns columns(Encoder encoder, Batch batch, Masks masks, Loss loss, int startLayer, float[] input,
                                   float[] startContext, boolean startHeads, boolean headRowsOnly) {
        EncoderWeights w = encoder.weights();
        EncoderConfig c = encoder.config();
        if (!w.hasClassifier()) throw new IllegalArgumentException("mask gradients need a model with a classification head");
        int L = c.layers(), B = batch.size(), C = w.head().labels(), D = c.hidden(), N = batch.tokens, dh = c.headSize();
        ForwardResult fr = encoder.run(batch, Encoder.same(masks, B), startLayer, input, Capture.TRACE, headRowsOnly, startContext);
        float[] dLogits = new float[B * C];
        double value = loss.valueAndGrad(fr.logits, B, C, dLogits);
        // d loss / d logits exactly 0 (K-prune's KL on the dense model: student = teacher): every gradient is 0 (up to
        // the sign of zero), so the backward pass is skipped
        boolean backward = false;
        for (float v : dLogits) backward |= v != 0f;
        float[] dHidden = new float[N * D];
        if (backward) w.head().backward(fr.traces[L - 1].out, batch, c, dLogits, dHidden);
        float[][] gCol = new float[L][], gNeuron = new float[L][];
        double[][] ctxSq = new double[L][], actSq = new double[L][];
        for (int l = L - 1; l >= startLayer; l--) {
            int H = c.heads(l), I = c.intermediate(l), A = H * dh;
            gCol[l] = new float[A];
            gNeuron[l] = new float[I];
            LayerTrace tr = fr.traces[l];
            boolean heads = startHeads || l > startLayer;
            if (backward)
                dHidden = encoder.transformerLayer(l).backward(tr, batch, masks.head[l], masks.neuron[l], dHidden,
                        heads ? new float[H] : null, heads ? gCol[l] : null, gNeuron[l], l > startLayer);
            ctxSq[l] = columnSquares(tr.ctx, N, A);
            actSq[l] = columnSquares(tr.act, N, I);
        }
        return new Columns(gCol, gNeuron, ctxSq, actSq, value, fr.logits, fr.traces[startLayer].ctx);
    }

    /** Σ_r x[r][j]² per column j, in double, rows in order; blocks of 64 columns in parallel (each column's sum is the same). */
    private static double[] columnSquares(float[] x, int n, int width) {
        double[] s = new double[width];
        Parallel.forEach((width + 63) / 64, blk -> {
            int j0 = blk * 64, j1 = Math.min(width, j0 + 64);
            Ops.addColumnSquares(x, n, width, j0, j1, s);
        });
        return s;
    }

    /**
     * Through act = f(pre)·m: adds d loss/d m (Σ over tokens of dAct·f(pre)) to gNeuron and
     * turns dAct into d loss/d pre in place (f and aux from the forward pass, f' a row at a time, in bulk);
     * the products are summed in double per block of 32 rows, blocks in a fixed order.
     * rows (ascending; null: all N) are the rows dAct holds, compactly: row i of dAct is token rows[i]
     * (pre and act stay [N×I]); the others' dAct is 0, so their blocks add nothing and are skipped,
     * and the sums keep the blocks of 32 tokens: the same bits as the full pass with zero rows.
     */
    static void activationBackward(Activation fn, float[] preAct, float[] act, float[] aux, float[] dAct, float[] mNeuron, int N, int I,
                                   int[] rows, float[] gNeuron) {
        int R = rows == null ? N : rows.length;
        int[] seg = new int[R + 1];   // segment starts in dAct's rows: a segment is one block of 32 tokens
        int segs = 0;
        for (int i = 0; i < R; i++)
            if (i == 0 || (rows == null ? i % 32 == 0 : rows[i] / 32 != rows[i - 1] / 32)) seg[segs++] = i;
        seg[segs] = R;
        double[][] partialN = new double[segs][I];
        Parallel.forEach(segs, blk -> {
            double[] part = partialN[blk];
            float[] g = new float[I];
            for (int i = seg[blk]; i < seg[blk + 1]; i++) {
                int o = (rows == null ? i : rows[i]) * I, d = i * I;
                fn.gradFrom(preAct, aux, o, g, 0, I);
                for (int j = 0; j < I; j++) {
                    part[j] += (double) dAct[d + j] * act[o + j];
                    dAct[d + j] = dAct[d + j] * mNeuron[j] * g[j];
                }
            }
        });
        for (double[] part : partialN) for (int j = 0; j < I; j++) gNeuron[j] += (float) part[j];
    }

    /** From d loss / d ctx (already masked) to d loss / d q, k, v, per sequence and head. */
    static void attentionCoreBackward(LayerTrace tr, Batch batch, int H, int dh, float[] dCtx, float[] dq, float[] dk, float[] dv) {
        int B = batch.size(), A = H * dh, S = 3 * A;
        float scale = (float) (1.0 / Math.sqrt(dh));
        Parallel.forEach(B * H, sh -> {
            int s = sh / H, h = sh % H, row0 = batch.offsets[s], len = batch.length(s);
            int pOff = tr.probOffsets[sh], cOff = row0 * A + h * dh, qOff = row0 * S + h * dh;   // head h's query in the qkv rows
            float[] dP = new float[len * len];
            Gemm.gemm(false, true, len, len, dh, dCtx, cOff, A, tr.qkv, qOff + 2 * A, S, dP, 0, len, false);
            Gemm.gemm(true, false, len, dh, len, tr.probs, pOff, len, dCtx, cOff, A, dv, cOff, A, false);
            for (int i = 0; i < len; i++) {
                float dot = 0f;
                for (int j = 0; j < len; j++) dot += dP[i * len + j] * tr.probs[pOff + i * len + j];
                for (int j = 0; j < len; j++) dP[i * len + j] = tr.probs[pOff + i * len + j] * (dP[i * len + j] - dot) * scale;
            }
            Gemm.gemm(false, false, len, dh, len, dP, 0, len, tr.qkv, qOff + A, S, dq, cOff, A, false);
            Gemm.gemm(true, false, len, dh, len, dP, 0, len, tr.qkv, qOff, S, dk, cOff, A, false);
        });
    }
}
