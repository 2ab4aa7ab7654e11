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
        EncoderWeights w = encoder.weights();
        EncoderConfig c = encoder.config();
        if (w.head() == null) throw new IllegalArgumentException("mask gradients need a model with a classification head");
        ForwardResult fr = encoder.run(batch, Encoder.same(masks, batch.size()), 0, null, Capture.TRACE);
        int B = batch.size(), C = w.head().out().out, D = c.hidden();
        float[] dLogits = new float[B * C];
        double value = loss.valueAndGrad(fr.logits, B, C, dLogits);

        float[] dHidden = new float[batch.tokens * D];
        boolean pre = c.architecture().preNorm();
        if (pre) VitHead.headBackward(w, fr.traces[c.layers() - 1].out, batch, dLogits, dHidden);
        else headBackward(w.head(), fr, batch, D, dLogits, dHidden);

        float[][] gHead = new float[c.layers()][], gNeuron = new float[c.layers()][];
        for (int l = c.layers() - 1; l >= 0; l--) {
            gHead[l] = new float[c.heads(l)];
            gNeuron[l] = new float[c.intermediate(l)];
            dHidden = encoder.transformerLayer(l).backward(fr.traces[l], batch, masks.head[l], masks.neuron[l], dHidden,
                    gHead[l], gNeuron[l], l > 0);
        }
        return new Result(gHead, gNeuron, value, fr.logits);
    }

    private static void headBackward(ClassifierHead head, ForwardResult fr, Batch batch, int D, float[] dLogits, float[] dHidden) {
        int B = batch.size(), C = head.out().out;
        float[] dIn = new float[B * head.out().in];
        Gemm.gemm(false, false, B, head.out().in, C, dLogits, 0, C, head.out().weight, 0, head.out().in, dIn, 0, head.out().in, false);
        float[] dCls = dIn;
        if (head.dense() != null) {
            for (int i = 0; i < dIn.length; i++) {
                float y = fr.headDense[i];
                dIn[i] *= head.activation() == ClassifierHead.DenseActivation.TANH ? 1f - y * y : (y > 0 ? 1f : 0f);
            }
            dCls = new float[B * D];
            Gemm.gemm(false, false, B, D, head.dense().out, dIn, 0, head.dense().out, head.dense().weight, 0, D, dCls, 0, D, false);
        }
        for (int s = 0; s < B; s++) System.arraycopy(dCls, s * D, dHidden, batch.firstRow(s) * D, D);
    }

    /**
     * Through act = f(pre)·m: adds d loss/d m (Σ over tokens of dAct·f(pre)) to gNeuron and
     * turns dAct into d loss/d pre in place (f and f' a row at a time, in bulk);
     * the products are summed in double per block of 32 rows, blocks in a fixed order.
     */
    static void activationBackward(Activation fn, float[] preAct, float[] dAct, float[] mNeuron, int N, int I, float[] gNeuron) {
        int rowBlocks = (N + 31) / 32;
        double[][] partialN = new double[rowBlocks][I];
        Parallel.forEach(rowBlocks, blk -> {
            int r1 = Math.min(N, blk * 32 + 32);
            double[] part = partialN[blk];
            float[] f = new float[I], g = new float[I];
            for (int r = blk * 32; r < r1; r++) {
                int o = r * I;
                fn.apply(preAct, o, f, 0, I);
                fn.grad(preAct, o, g, 0, I);
                for (int j = 0; j < I; j++) {
                    part[j] += (double) dAct[o + j] * f[j];
                    dAct[o + j] = dAct[o + j] * mNeuron[j] * g[j];
                }
            }
        });
        for (double[] part : partialN) for (int j = 0; j < I; j++) gNeuron[j] += (float) part[j];
    }

    /** From d loss / d ctx (already masked) to d loss / d q, k, v, per sequence and head. */
    static void attentionCoreBackward(LayerTrace tr, Batch batch, int H, int dh, float[] dCtx, float[] dq, float[] dk, float[] dv) {
        int B = batch.size(), A = H * dh;
        float scale = (float) (1.0 / Math.sqrt(dh));
        Parallel.forEach(B * H, sh -> {
            int s = sh / H, h = sh % H, row0 = batch.offsets[s], len = batch.length(s);
            int pOff = tr.probOffsets[sh], cOff = row0 * A + h * dh;
            float[] dP = new float[len * len];
            Gemm.gemm(false, true, len, len, dh, dCtx, cOff, A, tr.v, cOff, A, dP, 0, len, false);
            Gemm.gemm(true, false, len, dh, len, tr.probs, pOff, len, dCtx, cOff, A, dv, cOff, A, false);
            for (int i = 0; i < len; i++) {
                float dot = 0f;
                for (int j = 0; j < len; j++) dot += dP[i * len + j] * tr.probs[pOff + i * len + j];
                for (int j = 0; j < len; j++) dP[i * len + j] = tr.probs[pOff + i * len + j] * (dP[i * len + j] - dot) * scale;
            }
            Gemm.gemm(false, false, len, dh, len, dP, 0, len, tr.k, cOff, A, dq, cOff, A, false);
            Gemm.gemm(true, false, len, dh, len, dP, 0, len, tr.q, cOff, A, dk, cOff, A, false);
        });
    }
}
