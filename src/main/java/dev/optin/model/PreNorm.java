package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;

/**
 * The pre-LN (vision transformer) block, final layer norm and heads, and their backward pass
 * for mask gradients. Kept beside, not inside, the post-LN BERT path of {@link Encoder}.
 * In a pre-LN layer attnNorm is the norm before attention (layernorm_before / norm1) and
 * ffnNorm the one before the FFN (layernorm_after / norm2).
 */
final class PreNorm {
    private PreNorm() {}

    /**
     * out = h + FFN(LN2(h)), h = x + Attn(LN1(x)). features (if not null) receives LN1(x), the
     * OPTIN feature of a pre-LN layer.
     */
    static float[] layer(EncoderWeights weights, int l, float[] x, Batch batch, Masks[] masksBySeq, float[] features, LayerTrace tr) {
        LayerWeights w = weights.layers()[l];
        EncoderConfig config = weights.config();
        int N = batch.tokens, D = config.hidden(), H = w.heads(), dh = config.headSize(), A = H * dh, I = w.intermediate();
        float eps = config.layerNormEps();

        float[] a = new float[N * D];
        float[] inv1 = tr != null ? new float[N] : null;
        Ops.layerNorm(x, a, N, D, w.attnNorm().gamma(), w.attnNorm().beta(), eps, inv1);
        if (features != null) System.arraycopy(a, 0, features, 0, a.length);

        float[] q = new float[N * A], k = new float[N * A], v = new float[N * A];
        Gemm.linear(a, N, D, w.query().weight, w.query().bias, A, q);
        Gemm.linear(a, N, D, w.key().weight, w.key().bias, A, k);
        Gemm.linear(a, N, D, w.value().weight, w.value().bias, A, v);

        float[] ctx = new float[N * A];
        float[] ctxMasked = tr != null ? new float[N * A] : ctx;
        int B = batch.size();
        int[] probOff = null;
        float[] probs = null;
        if (tr != null) {
            probOff = new int[B * H + 1];
            for (int s = 0; s < B; s++) for (int h = 0; h < H; h++) {
                int len = batch.length(s);
                probOff[s * H + h + 1] = probOff[s * H + h] + len * len;
            }
            probs = new float[probOff[B * H]];
        }
        final float[] probsF = probs; final int[] probOffF = probOff;
        float scale = (float) (1.0 / Math.sqrt(dh));
        Parallel.forEach(B * H, sh -> {
            int s = sh / H, h = sh % H, len = batch.length(s), row0 = batch.offsets[s];
            float[] p = probsF != null ? probsF : new float[len * len];
            int pOff = probsF != null ? probOffF[sh] : 0;
            Gemm.gemm(false, true, len, len, dh, q, row0 * A + h * dh, A, k, row0 * A + h * dh, A, p, pOff, len, false);
            for (int i = 0; i < len; i++) {
                int o = pOff + i * len;
                for (int j = 0; j < len; j++) p[o + j] *= scale;
                Ops.softmaxRow(p, o, len);
            }
            Gemm.gemm(false, false, len, dh, len, p, pOff, len, v, row0 * A + h * dh, A, ctx, row0 * A + h * dh, A, false);
            float m = masksBySeq[s].head[l][h];
            if (m != 1f || ctxMasked != ctx) {
                for (int t = 0; t < len; t++) {
                    int o = (row0 + t) * A + h * dh;
                    for (int j = 0; j < dh; j++) ctxMasked[o + j] = ctx[o + j] * m;
                }
            }
        });

        float[] hres = new float[N * D];
        Gemm.linear(ctxMasked, N, A, w.attnOut().weight, w.attnOut().bias, D, hres);
        for (int i = 0; i < hres.length; i++) hres[i] += x[i];

        float[] b = new float[N * D];
        float[] inv2 = tr != null ? new float[N] : null;
        Ops.layerNorm(hres, b, N, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), eps, inv2);
        float[] pre = new float[N * I];
        Gemm.linear(b, N, D, w.ffnIn().weight, w.ffnIn().bias, I, pre);
        float[] act = new float[N * I];
        Activation fn = config.activation();
        Parallel.forEach((N + 31) / 32, blk -> {
            int r1 = Math.min(N, blk * 32 + 32);
            for (int r = blk * 32; r < r1; r++) {
                float[] nm = masksBySeq[Encoder.seqOfRow(batch, r)].neuron[l];
                int o = r * I;
                for (int j = 0; j < I; j++) act[o + j] = fn.apply(pre[o + j]) * nm[j];
            }
        });
        float[] out = new float[N * D];
        Gemm.linear(act, N, I, w.ffnOut().weight, w.ffnOut().bias, D, out);
        for (int i = 0; i < out.length; i++) out[i] += hres[i];

        if (tr != null) {
            tr.input = x; tr.ln1 = a; tr.invStd1 = inv1; tr.q = q; tr.k = k; tr.v = v; tr.probs = probs; tr.probOffsets = probOff;
            tr.ctx = ctx; tr.h1 = hres; tr.ln2 = b; tr.invStd2 = inv2; tr.pre = pre; tr.out = out;
        }
        return out;
    }

    /** Final layer norm over every token (Hugging Face's last_hidden_state). */
    static float[] finalNorm(EncoderWeights weights, float[] x, int tokens, float[] invStd) {
        Norm n = weights.vision().finalNorm();
        float[] y = new float[x.length];
        Ops.layerNorm(x, y, tokens, weights.config().hidden(), n.gamma(), n.beta(), weights.config().layerNormEps(), invStd);
        return y;
    }

    /** Logits from the normalised hidden states: CLS head, averaged with the distillation head on token 1 when present. */
    static float[] logits(EncoderWeights weights, float[] normed, Batch batch) {
        int d = weights.config().hidden(), B = batch.size();
        Linear cls = weights.head().out(), dist = weights.vision().distillationHead();
        float[] tok = new float[B * d];
        for (int s = 0; s < B; s++) System.arraycopy(normed, batch.firstRow(s) * d, tok, s * d, d);
        float[] logits = new float[B * cls.out];
        Gemm.linear(tok, B, d, cls.weight, cls.bias, cls.out, logits);
        if (dist != null) {
            for (int s = 0; s < B; s++) System.arraycopy(normed, (batch.firstRow(s) + 1) * d, tok, s * d, d);
            float[] second = new float[B * dist.out];
            Gemm.linear(tok, B, d, dist.weight, dist.bias, dist.out, second);
            for (int i = 0; i < logits.length; i++) logits[i] = (logits[i] + second[i]) * 0.5f;
        }
        return logits;
    }

    // ---------------------------------------------------------------- backward (mask gradients)

    /** d loss / d last layer output, from d loss / d logits through the heads and the final layer norm. */
    static void headBackward(EncoderWeights weights, float[] lastOut, Batch batch, float[] dLogits, float[] dHidden) {
        int d = weights.config().hidden(), B = batch.size(), N = batch.tokens;
        Linear cls = weights.head().out(), dist = weights.vision().distillationHead();
        float[] inv = new float[N];
        float[] y = finalNorm(weights, lastOut, N, inv);
        float[] dY = new float[N * d], tok = new float[B * d];
        float w = dist == null ? 1f : 0.5f;
        Gemm.gemm(false, false, B, d, cls.out, dLogits, 0, cls.out, cls.weight, 0, d, tok, 0, d, false);
        for (int s = 0; s < B; s++) for (int j = 0; j < d; j++) dY[batch.firstRow(s) * d + j] = w * tok[s * d + j];
        if (dist != null) {
            Gemm.gemm(false, false, B, d, dist.out, dLogits, 0, dist.out, dist.weight, 0, d, tok, 0, d, false);
            for (int s = 0; s < B; s++) for (int j = 0; j < d; j++) dY[(batch.firstRow(s) + 1) * d + j] = w * tok[s * d + j];
        }
        Norm n = weights.vision().finalNorm();
        Ops.layerNormBackward(dY, y, N, d, n.gamma(), n.beta(), inv, dHidden);
    }

    /** Back-propagates through one pre-LN layer, accumulating mask gradients; returns d loss / d input when needInput. */
    static float[] layerBackward(LayerWeights w, EncoderConfig c, LayerTrace tr, Batch batch, float[] mHead, float[] mNeuron,
                                 float[] dOut, float[] gHead, float[] gNeuron, boolean needInput) {
        int N = batch.tokens, D = c.hidden(), H = w.heads(), dh = c.headSize(), A = H * dh, I = w.intermediate();
        Activation fn = c.activation();

        // FFN branch: out = h + (f(pre)·m)·W2ᵀ, pre = LN2(h)·W1ᵀ
        float[] dAct = new float[N * I];
        Gemm.gemm(false, false, N, I, D, dOut, 0, D, w.ffnOut().weight, 0, I, dAct, 0, I, false);
        MaskGradients.activationBackward(fn, tr.pre, dAct, mNeuron, N, I, gNeuron);
        float[] dLn2 = new float[N * D];
        Gemm.gemm(false, false, N, D, I, dAct, 0, I, w.ffnIn().weight, 0, D, dLn2, 0, D, false);
        float[] dH = new float[N * D];
        Ops.layerNormBackward(dLn2, tr.ln2, N, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), tr.invStd2, dH);
        for (int i = 0; i < dH.length; i++) dH[i] += dOut[i];

        // attention branch: h = x + (ctx·m)·Woᵀ
        float[] dCtx = new float[N * A];
        Gemm.gemm(false, false, N, A, D, dH, 0, D, w.attnOut().weight, 0, A, dCtx, 0, A, false);
        int B = batch.size();
        double[] partialH = new double[B * H];
        Parallel.forEach(B * H, sh -> {
            int s = sh / H, h = sh % H, row0 = batch.offsets[s], len = batch.length(s);
            double g = 0;
            for (int t = 0; t < len; t++) {
                int o = (row0 + t) * A + h * dh;
                for (int j = 0; j < dh; j++) { g += (double) dCtx[o + j] * tr.ctx[o + j]; dCtx[o + j] *= mHead[h]; }
            }
            partialH[sh] = g;
        });
        for (int sh = 0; sh < B * H; sh++) gHead[sh % H] += (float) partialH[sh];
        if (!needInput) return null;

        float[] dq = new float[N * A], dk = new float[N * A], dv = new float[N * A];
        MaskGradients.attentionCoreBackward(tr, batch, H, dh, dCtx, dq, dk, dv);
        float[] dLn1 = new float[N * D];
        Gemm.gemm(false, false, N, D, A, dq, 0, A, w.query().weight, 0, D, dLn1, 0, D, true);
        Gemm.gemm(false, false, N, D, A, dk, 0, A, w.key().weight, 0, D, dLn1, 0, D, true);
        Gemm.gemm(false, false, N, D, A, dv, 0, A, w.value().weight, 0, D, dLn1, 0, D, true);
        float[] dX = new float[N * D];
        Ops.layerNormBackward(dLn1, tr.ln1, N, D, w.attnNorm().gamma(), w.attnNorm().beta(), tr.invStd1, dX);
        for (int i = 0; i < dX.length; i++) dX[i] += dH[i];
        return dX;
    }
}
