package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;

/**
 * The vision transformer's head: the final layer norm over every token, the classifier on the
 * CLS token (averaged with a distillation head on token 1 when present, as DeiT does), and its
 * backward pass for mask gradients. The layers themselves are {@link TransformerLayer}s.
 */
final class VitHead {
    private VitHead() {}

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
}
