package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;

/**
 * Segmenter's linear decoder (Strudel et al., 2021) on a vision transformer: the final layer norm
 * over every token (as {@link VitHead}), then one linear classifier on each patch token (the tokens
 * after the stem's class token(s) are dropped), giving a distribution per cell of the patch grid:
 * logits [batch × gridHeight·gridWidth × classes], cells row-major (the ONNX export transposes to
 * [batch, classes, gridHeight, gridWidth]). Pixels' classes come from {@link Prediction.PerPixel}.
 *
 * @param finalNorm   over [hidden]
 * @param classifier  [classes][hidden] ({@code decode_head.classifier})
 * @param firstPatch  row of the first patch token in a sequence (1: after CLS)
 * @param shape       grid and pixel sizes
 */
public record SegmentationHead(Norm finalNorm, Linear classifier, int firstPatch, Prediction.PerPixel shape) implements Head, LinearReadout {
    public SegmentationHead {
        if (finalNorm.gamma().length != classifier.in) throw new IllegalArgumentException("final layer norm size differs from the classifier's input");
        if (classifier.out != shape.classes()) throw new IllegalArgumentException("classifier has " + classifier.out + " outputs for " + shape.classes() + " classes");
        if (firstPatch < 0) throw new IllegalArgumentException("negative first patch row");
    }

    @Override
    public Output forward(float[] lastOut, Batch batch, EncoderConfig config) {
        int d = config.hidden();
        float[] normed = new float[lastOut.length];
        Ops.layerNorm(lastOut, normed, batch.tokens, d, finalNorm.gamma(), finalNorm.beta(), config.layerNormEps(), null);
        int B = batch.size(), P = shape.positions(), C = classifier.out;
        float[] patches = patchRows(normed, batch, d);
        float[] logits = new float[B * P * C];
        Gemm.linear(patches, B * P, d, classifier.weight, classifier.bias, C, logits);
        return new Output(normed, logits);
    }

    /** The patch rows of the normalised hidden states, in the logits' order. */
    @Override public float[] readRows(float[] normed, Batch batch, int d) { return patchRows(normed, batch, d); }

    @Override public Head withClassifier(Linear c) {
        if (c.out != classifier.out || c.in != classifier.in) throw new IllegalArgumentException("classifier shape differs");
        return new SegmentationHead(finalNorm, c, firstPatch, shape);
    }

    @Override public java.util.Optional<LinearReadout> readout() { return java.util.Optional.of(this); }

    /** Rows firstPatch .. firstPatch + P − 1 of every sequence of x [tokens × d], as [batch·P × d]. */
    private float[] patchRows(float[] x, Batch batch, int d) {
        int B = batch.size(), P = shape.positions();
        float[] out = new float[B * P * d];
        for (int s = 0; s < B; s++) {
            if (batch.length(s) < firstPatch + P)
                throw new IllegalArgumentException("sequence " + s + " has " + batch.length(s) + " tokens, the segmenter reads " + (firstPatch + P));
            System.arraycopy(x, (batch.firstRow(s) + firstPatch) * d, out, s * P * d, P * d);
        }
        return out;
    }

    /** Through the classifier (patch rows only) and the final layer norm (every token's row of dHidden is written). */
    @Override
    public void backward(float[] lastOut, Batch batch, EncoderConfig config, float[] dLogits, float[] dHidden) {
        int d = config.hidden(), B = batch.size(), N = batch.tokens, P = shape.positions(), C = classifier.out;
        float[] inv = new float[N], y = new float[lastOut.length];
        Ops.layerNorm(lastOut, y, N, d, finalNorm.gamma(), finalNorm.beta(), config.layerNormEps(), inv);
        float[] dPatch = new float[B * P * d], dY = new float[N * d];
        Gemm.gemm(false, false, B * P, d, C, dLogits, 0, C, classifier.weight, 0, d, dPatch, 0, d, false);
        for (int s = 0; s < B; s++) System.arraycopy(dPatch, s * P * d, dY, (batch.firstRow(s) + firstPatch) * d, P * d);
        Ops.layerNormBackward(dY, y, N, d, finalNorm.gamma(), finalNorm.beta(), inv, dHidden);
    }

    @Override public int labels() { return classifier.out; }

    @Override public Prediction prediction() { return shape; }

    @Override public long parameters() { return 2L * finalNorm.gamma().length + classifier.parameters(); }
}
