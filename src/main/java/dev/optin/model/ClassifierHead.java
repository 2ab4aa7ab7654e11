package dev.optin.model;

import dev.optin.engine.Gemm;

/**
 * Sequence-classification head on the first token: optional dense layer with its activation
 * (BERT pooler: tanh; DistilBERT pre_classifier: ReLU; RoBERTa classifier.dense: tanh), then the output layer.
 * The hidden states a forward returns are the last layer's output, unchanged.
 *
 * @param dense [hidden][hidden] or null
 * @param out   [labels][hidden]
 */
public record ClassifierHead(Linear dense, DenseActivation activation, Linear out) implements Head, LinearReadout {
    public enum DenseActivation { TANH, RELU }

    @Override
    public Output forward(float[] lastOut, Batch batch, EncoderConfig config) {
        float[] in = pooled(lastOut, batch, config.hidden());
        float[] logits = new float[batch.size() * out.out];
        Gemm.linear(in, batch.size(), out.in, out.weight, out.bias, out.out, logits);
        return new Output(lastOut, logits);
    }

    /** The output layer's input [batch × out.in]: token 0 of every sequence, through the dense layer when there is one. */
    private float[] pooled(float[] hidden, Batch batch, int d) {
        int B = batch.size();
        float[] cls = Head.token(hidden, batch, d, 0);
        if (dense == null) return cls;
        float[] y = new float[B * dense.out];
        Gemm.linear(cls, B, d, dense.weight, dense.bias, dense.out, y);
        for (int i = 0; i < y.length; i++) y[i] = activation == DenseActivation.TANH ? (float) Math.tanh(y[i]) : Math.max(0f, y[i]);
        return y;
    }

    /** Recomputes the dense activations from lastOut (a [batch × hidden] product) rather than keeping them from the forward. */
    @Override
    public void backward(float[] lastOut, Batch batch, EncoderConfig config, float[] dLogits, float[] dHidden) {
        int B = batch.size(), C = out.out, D = config.hidden();
        float[] dIn = new float[B * out.in];
        Gemm.gemm(false, false, B, out.in, C, dLogits, 0, C, out.weight, 0, out.in, dIn, 0, out.in, false);
        float[] dCls = dIn;
        if (dense != null) {
            float[] act = pooled(lastOut, batch, D);
            for (int i = 0; i < dIn.length; i++) {
                float y = act[i];
                dIn[i] *= activation == DenseActivation.TANH ? 1f - y * y : (y > 0 ? 1f : 0f);
            }
            dCls = new float[B * D];
            Gemm.gemm(false, false, B, D, dense.out, dIn, 0, dense.out, dense.weight, 0, D, dCls, 0, D, false);
        }
        for (int s = 0; s < B; s++) System.arraycopy(dCls, s * D, dHidden, batch.firstRow(s) * D, D);
    }

    /** Token 0 of every sequence. */
    @Override
    public int[] rowsRead(Batch batch) {
        int[] rows = new int[batch.size()];
        for (int s = 0; s < rows.length; s++) rows[s] = batch.firstRow(s);
        return rows;
    }

    @Override
    public int labels() { return out.out; }

    /** The output layer reads the pooled rows: token 0 of every sequence through the dense layer. */
    @Override
    public java.util.Optional<LinearReadout> readout() { return java.util.Optional.of(this); }

    @Override
    public Linear classifier() { return out; }

    @Override
    public float[] readRows(float[] hidden, Batch batch, int d) { return pooled(hidden, batch, dense == null ? out.in : dense.in); }

    @Override
    public Head withClassifier(Linear classifier) { return new ClassifierHead(dense, activation, classifier); }

    @Override
    public long parameters() { return (dense == null ? 0 : dense.parameters()) + out.parameters(); }
}
