package dev.optin.pruning;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;
import dev.optin.model.Activation;
import dev.optin.model.Batch;
import dev.optin.model.EncoderConfig;
import dev.optin.model.LayerWeights;
import dev.optin.model.Linear;

/**
 * Recomputes one encoder layer from its input, keeping the internals mask tuning needs
 * (per-head context before the mask, FFN activations before the mask, pre-norm sums).
 * Same operations as {@code model.Encoder}'s layer, with one mask set for the whole batch.
 * Pre-LN (vision) layers normalise each block's input instead, and their block output is the
 * residual sum itself (preNorm and out are then the same array).
 */
public final class LayerProbe {
    private LayerProbe() {}

    /** Attention block: ctx [N×A] before the head mask, preNorm = masked ctx·Woᵀ + bias + input, out = its layer norm. */
    public record Attention(float[] ctx, float[] preNorm, float[] out) {}

    /** FFN block: act [N×I] after the activation, before the neuron mask; preNorm = masked act·W2ᵀ + bias + input. */
    public record Ffn(float[] act, float[] preNorm, float[] out) {}

    public static Attention attention(EncoderConfig c, LayerWeights w, Batch batch, float[] x, float[] headMask) {
        return attentionFromContext(c, w, batch, x, context(c, w, batch, x), headMask);
    }

    /** The per-head attention context [N×A] alone (before the head mask, which it does not depend on). */
    public static float[] context(EncoderConfig c, LayerWeights w, Batch batch, float[] x) {
        int N = batch.tokens, D = c.hidden(), H = w.heads(), dh = c.headSize(), A = H * dh;
        float[] a = attentionInput(c, w, x, N);
        float[] q = new float[N * A], k = new float[N * A], v = new float[N * A], ctx = new float[N * A];
        w.query().apply(a, N, q);
        w.key().apply(a, N, k);
        w.value().apply(a, N, v);
        float scale = (float) (1.0 / Math.sqrt(dh));
        Parallel.forEach(batch.size() * H, sh -> {
            int s = sh / H, h = sh % H, len = batch.length(s), row0 = batch.offsets[s];
            float[] p = new float[len * len];
            Gemm.gemm(false, true, len, len, dh, q, row0 * A + h * dh, A, k, row0 * A + h * dh, A, p, 0, len, false);
            for (int i = 0; i < len; i++) {
                for (int j = 0; j < len; j++) p[i * len + j] *= scale;
                Ops.softmaxRow(p, i * len, len);
            }
            Gemm.gemm(false, false, len, dh, len, p, 0, len, v, row0 * A + h * dh, A, ctx, row0 * A + h * dh, A, false);
        });
        return ctx;
    }

    /**
     * The attention block's output from its unmasked per-head context (which does not depend on the head
     * mask): only the output projection and the norm run again, e.g. after the head scales were tuned.
     */
    public static Attention attentionFromContext(EncoderConfig c, LayerWeights w, Batch batch, float[] x, float[] ctx, float[] headMask) {
        int N = batch.tokens, H = w.heads(), dh = c.headSize(), A = H * dh;
        float[] masked = ctx.clone();
        for (int r = 0; r < N; r++) for (int h = 0; h < H; h++) {
            float m = headMask[h];
            if (m == 1f) continue;
            int o = r * A + h * dh;
            for (int j = 0; j < dh; j++) masked[o + j] *= m;
        }
        Sum s = block(c, w.attnNorm(), w.attnOut(), masked, x, N);
        return new Attention(ctx, s.preNorm(), s.out());
    }

    public static Ffn ffn(EncoderConfig c, LayerWeights w, Batch batch, float[] h1, float[] neuronMask) {
        return ffnFromActivation(c, w, batch, h1, activations(c, w, batch, h1), neuronMask);
    }

    /** The FFN activations [N×I] alone (before the neuron mask, which they do not depend on). */
    public static float[] activations(EncoderConfig c, LayerWeights w, Batch batch, float[] h1) {
        int N = batch.tokens, D = c.hidden(), I = w.intermediate();
        float[] act = new float[N * I];
        w.ffnIn().apply(ffnInput(c, w, h1, N), N, act);
        Activation fn = c.activation();
        Parallel.forEach((N + 31) / 32, blk -> {
            int r1 = Math.min(N, blk * 32 + 32);
            int o = blk * 32 * I;
            fn.apply(act, o, act, o, (r1 - blk * 32) * I); // the bulk kernel the engine's forward pass uses: same values
        });
        return act;
    }

    /** The FFN block's output from its activations before the neuron mask (which do not depend on it). */
    public static Ffn ffnFromActivation(EncoderConfig c, LayerWeights w, Batch batch, float[] h1, float[] act, float[] neuronMask) {
        int N = batch.tokens, I = w.intermediate();
        float[] masked = act.clone();
        for (int r = 0; r < N; r++) for (int j = 0; j < I; j++) masked[r * I + j] *= neuronMask[j];
        Sum s = block(c, w.ffnNorm(), w.ffnOut(), masked, h1, N);
        return new Ffn(act, s.preNorm(), s.out());
    }

    /** A block's sums before its norm and its output (the same array in pre-LN blocks). */
    record Sum(float[] preNorm, float[] out) {}

    /**
     * A block's sums from its output projection's input: preNorm = in·Pᵀ + bias + residual, out = the block's norm of
     * it (post-LN; pre-LN: the residual sum is the block output). P may be the projection's kept columns alone
     * ({@link Linear#columns}) with in the kept inputs: the full product adds exact zeros for the gated-out columns, in
     * the same order otherwise, so that gives its bits where both sizes take the same kernel ({@link Gemm#sameKernel}:
     * the caller's check) and the bias is not −0.
     */
    static Sum block(EncoderConfig c, dev.optin.model.Norm norm, Linear projection, float[] in, float[] residual, int n) {
        int D = c.hidden();
        float[] pre = new float[n * D];
        projection.apply(in, n, pre);
        for (int i = 0; i < pre.length; i++) pre[i] += residual[i];
        if (c.architecture().preNorm()) return new Sum(pre, pre);
        float[] out = new float[n * D];
        Ops.layerNorm(pre, out, n, D, norm.gamma(), norm.beta(), c.layerNormEps(), null);
        return new Sum(pre, out);
    }

    /** What the query, key and value projections read for block input x: x itself (post-LN), its norm (pre-LN). */
    static float[] attentionInput(EncoderConfig c, LayerWeights w, float[] x, int N) {
        return c.architecture().preNorm() ? norm(c, w.attnNorm(), x, N) : x;
    }

    /** What the FFN's first projection reads for its block input h1: h1 itself (post-LN), its norm (pre-LN). */
    static float[] ffnInput(EncoderConfig c, LayerWeights w, float[] h1, int N) {
        return c.architecture().preNorm() ? norm(c, w.ffnNorm(), h1, N) : h1;
    }

    /** Pre-LN blocks normalise their input before attention / FFN. */
    private static float[] norm(EncoderConfig c, dev.optin.model.Norm n, float[] x, int N) {
        float[] y = new float[x.length];
        Ops.layerNorm(x, y, N, c.hidden(), n.gamma(), n.beta(), c.layerNormEps(), null);
        return y;
    }

    /** Layer output for input x under the given masks of this layer. */
    public static float[] layer(EncoderConfig c, LayerWeights w, Batch batch, float[] x, float[] headMask, float[] neuronMask) {
        return ffn(c, w, batch, attention(c, w, batch, x, headMask).out(), neuronMask).out();
    }
}
