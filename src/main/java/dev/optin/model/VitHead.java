package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;

/**
 * The vision transformer's head: the final layer norm over every token (Hugging Face's
 * last_hidden_state, what a forward returns as hidden), the classifier on the CLS token and, for
 * DeiT with teacher, the distillation head on token 1, whose logits are averaged with the CLS
 * head's as Hugging Face does at inference (plain DeiTForImageClassification has the distillation
 * token but classifies from CLS only).
 *
 * @param finalNorm    over [hidden]
 * @param classifier   [labels][hidden]
 * @param distillation [labels][hidden] or null; needs the stem's distillation token
 */
public record VitHead(Norm finalNorm, Linear classifier, Linear distillation) implements Head, LinearReadout {
    public VitHead {
        if (finalNorm.gamma().length != classifier.in) throw new IllegalArgumentException("final layer norm size differs from the classifier's input");
        if (distillation != null && (distillation.in != classifier.in || distillation.out != classifier.out))
            throw new IllegalArgumentException("the distillation head's shape differs from the classifier's");
    }

    @Override
    public Output forward(float[] lastOut, Batch batch, EncoderConfig config) {
        float[] normed = finalNorm(lastOut, batch.tokens, config, null);
        return new Output(normed, logits(normed, batch, config.hidden()));
    }

    /** Final layer norm over every token; invStd [tokens] receives the inverse deviations when not null. */
    private float[] finalNorm(float[] x, int tokens, EncoderConfig config, float[] invStd) {
        float[] y = new float[x.length];
        Ops.layerNorm(x, y, tokens, config.hidden(), finalNorm.gamma(), finalNorm.beta(), config.layerNormEps(), invStd);
        return y;
    }

    /** Logits from the normalised hidden states: CLS head, averaged with the distillation head on token 1 when present. */
    private float[] logits(float[] normed, Batch batch, int d) {
        int B = batch.size();
        float[] tok = Head.token(normed, batch, d, 0);
        float[] logits = new float[B * classifier.out];
        Gemm.linear(tok, B, d, classifier.weight, classifier.bias, classifier.out, logits);
        if (distillation != null) {
            for (int s = 0; s < B; s++) System.arraycopy(normed, (batch.firstRow(s) + 1) * d, tok, s * d, d);
            float[] second = new float[B * distillation.out];
            Gemm.linear(tok, B, d, distillation.weight, distillation.bias, distillation.out, second);
            for (int i = 0; i < logits.length; i++) logits[i] = (logits[i] + second[i]) * 0.5f;
        }
        return logits;
    }

    /** Through the heads and the final layer norm (every token's row of dHidden is written). */
    @Override
    public void backward(float[] lastOut, Batch batch, EncoderConfig config, float[] dLogits, float[] dHidden) {
        int d = config.hidden(), B = batch.size(), N = batch.tokens;
        Linear cls = classifier, dist = distillation;
        float[] inv = new float[N];
        float[] y = finalNorm(lastOut, N, config, inv);
        float[] dY = new float[N * d], tok = new float[B * d];
        float w = dist == null ? 1f : 0.5f;
        Gemm.gemm(false, false, B, d, cls.out, dLogits, 0, cls.out, cls.weight, 0, d, tok, 0, d, false);
        for (int s = 0; s < B; s++) for (int j = 0; j < d; j++) dY[batch.firstRow(s) * d + j] = w * tok[s * d + j];
        if (dist != null) {
            Gemm.gemm(false, false, B, d, dist.out, dLogits, 0, dist.out, dist.weight, 0, d, tok, 0, d, false);
            for (int s = 0; s < B; s++) for (int j = 0; j < d; j++) dY[(batch.firstRow(s) + 1) * d + j] = w * tok[s * d + j];
        }
        Ops.layerNormBackward(dY, y, N, d, finalNorm.gamma(), finalNorm.beta(), inv, dHidden);
    }

    /** Token 0 of every sequence, and token 1 with the distillation head (the final norm is per token). */
    @Override
    public int[] rowsRead(Batch batch) {
        int per = distillation == null ? 1 : 2, B = batch.size();
        for (int s = 0; s < B; s++) if (batch.length(s) < per) return null;
        int[] rows = new int[B * per];
        for (int s = 0; s < B; s++) for (int t = 0; t < per; t++) rows[s * per + t] = batch.firstRow(s) + t;
        return rows;
    }

    @Override
    public int labels() { return classifier.out; }

    /** The classifier on the normalised CLS token; none with a distillation head (the logits then average two layers). */
    @Override
    public java.util.Optional<LinearReadout> readout() { return distillation == null ? java.util.Optional.of(this) : java.util.Optional.empty(); }

    @Override
    public float[] readRows(float[] normed, Batch batch, int d) { return Head.token(normed, batch, d, 0); }

    @Override
    public Head withClassifier(Linear classifier) {
        if (distillation != null) throw new IllegalStateException("a head with a distillation layer has no single read-out");
        return new VitHead(finalNorm, classifier, null);
    }

    @Override
    public long parameters() {
        return 2L * finalNorm.gamma().length + classifier.parameters() + (distillation == null ? 0 : distillation.parameters());
    }
}
