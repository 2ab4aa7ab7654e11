package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;

import java.util.Arrays;

/**
 * Runs a post-LN (BERT-family) encoder on ragged batches, with head and neuron masks,
 * feature capture, partial passes from a cached layer input, and a saved trace for
 * {@link MaskGradients}. Masks may differ per sequence, so several masked variants of the
 * model can share one pass (the products stay large).
 */
public final class Encoder {
    private final EncoderWeights weights;
    private final EncoderConfig config;

    /** The layers, each packing its weights for the GEMM kernel on first use. */
    private final TransformerLayer[] layers;

    /** The weights are packed for the GEMM kernel on first use: do not modify them in place afterwards. */
    public Encoder(EncoderWeights weights) {
        this.weights = weights;
        this.config = weights.config();
        this.layers = new TransformerLayer[config.layers()];
        for (int l = 0; l < layers.length; l++) layers[l] = new TransformerLayer(config, weights.layers()[l], l);
    }

    public EncoderWeights weights() { return weights; }
    public EncoderConfig config() { return config; }

    public ForwardResult forward(Batch batch, Masks masks) {
        return run(batch, same(masks, batch.size()), 0, null, Capture.NONE);
    }

    public ForwardResult forward(Batch batch, Masks masks, Capture capture) {
        return run(batch, same(masks, batch.size()), 0, null, capture);
    }

    static Masks[] same(Masks m, int n) {
        Masks[] r = new Masks[n];
        Arrays.fill(r, m);
        return r;
    }

    /** Embedding output [tokens×hidden] (the input of layer 0). */
    public float[] embed(Batch batch) {
        if (weights.vision() != null) return embedImages(batch);
        int d = config.hidden();
        Embeddings e = weights.embeddings();
        int vocab = e.word().length / d, positions = e.position().length / d;
        int types = e.tokenType() == null ? 0 : e.tokenType().length / d;
        float[] x = new float[batch.tokens * d];
        for (int s = 0; s < batch.size(); s++) {
            int[] ids = batch.ids[s];
            for (int t = 0; t < ids.length; t++) {
                int row = (batch.offsets[s] + t) * d;
                int id = ids[t], pos = t + config.positionOffset();
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " outside the vocabulary (" + vocab + ")");
                if (pos >= positions) throw new IllegalArgumentException("sequence of " + ids.length + " tokens exceeds the " + (positions - config.positionOffset()) + " positions of the model");
                for (int j = 0; j < d; j++) x[row + j] = e.word()[id * d + j] + e.position()[pos * d + j];
                if (types > 0) {
                    int type = batch.typeIds == null ? 0 : batch.typeIds[s][t];
                    if (type < 0 || type >= types) throw new IllegalArgumentException("token type " + type + " outside [0, " + types + ")");
                    for (int j = 0; j < d; j++) x[row + j] += e.tokenType()[type * d + j];
                }
            }
        }
        Ops.layerNorm(x, x, batch.tokens, d, e.norm().gamma(), e.norm().beta(), config.layerNormEps(), null);
        return x;
    }

    private float[] embedImages(Batch batch) {
        PatchEmbeddings e = weights.vision().embeddings();
        if (batch.pixels == null) throw new IllegalArgumentException("a vision model needs images (Batch.images), the batch has token ids only");
        int P = e.pixelsPerImage(), n = batch.size();
        float[] flat = new float[n * P];
        for (int s = 0; s < n; s++) {
            if (batch.pixels[s].length != P)
                throw new IllegalArgumentException("image " + s + " has " + batch.pixels[s].length + " values, the model takes "
                        + e.channels() + "x" + e.imageHeight() + "x" + e.imageWidth() + " = " + P);
            if (batch.length(s) != e.tokens())
                throw new IllegalArgumentException("image " + s + " is a sequence of " + batch.length(s) + " tokens, the model makes " + e.tokens());
            System.arraycopy(batch.pixels[s], 0, flat, s * P, P);
        }
        return e.embed(flat, n);
    }

    /**
     * Runs layers startLayer..L-1 and the head. input is layer startLayer's input (null: embed
     * the batch). masksBySeq[s] gates sequence s.
     */
    public ForwardResult run(Batch batch, Masks[] masksBySeq, int startLayer, float[] input, Capture capture) {
        if (masksBySeq.length != batch.size()) throw new IllegalArgumentException("one mask set per sequence expected");
        if (batch.tokens > 0) ForwardMemory.checkEngine(config, batch.size(), batch.maxLength(), "a batch (--batch)");
        int L = config.layers();
        float[] x = input != null ? input : embed(batch);
        if (input != null && input.length != batch.tokens * config.hidden())
            throw new IllegalArgumentException("cached input has the wrong size for this batch");
        float[][] ffnFeatures = capture.ffnFeatures() ? new float[L][] : null;
        float[][] layerOutputs = capture.layerOutputs() ? new float[L][] : null;
        LayerTrace[] traces = capture.trace() ? new LayerTrace[L] : null;
        Workspace ws = traces == null ? new Workspace(capture.layerOutputs()) : null;
        for (int l = startLayer; l < L; l++) {
            LayerTrace tr = traces != null ? new LayerTrace() : null;
            if (tr != null) traces[l] = tr;
            float[] ffn = capture.ffnFeatures() || tr != null ? new float[batch.tokens * config.hidden()] : null;
            x = layers[l].forward(x, batch, masksBySeq, ffn, tr, ws);
            if (ffnFeatures != null) ffnFeatures[l] = ffn;
            if (layerOutputs != null) layerOutputs[l] = x;
        }
        float[] logits = null, dense = null;
        ClassifierHead head = weights.head();
        if (weights.vision() != null) {
            x = VitHead.finalNorm(weights, x, batch.tokens, null);
            if (head != null) logits = VitHead.logits(weights, x, batch);
        } else if (head != null) {
            float[][] out = classify(x, batch);
            logits = out[0]; dense = out[1];
        }
        return new ForwardResult(x, logits, ffnFeatures, layerOutputs, traces, dense);
    }

    private float[][] classify(float[] hidden, Batch batch) {
        ClassifierHead head = weights.head();
        int d = config.hidden(), B = batch.size();
        float[] cls = new float[B * d];
        for (int s = 0; s < B; s++) System.arraycopy(hidden, batch.firstRow(s) * d, cls, s * d, d);
        float[] dense = null, in = cls;
        if (head.dense() != null) {
            dense = new float[B * head.dense().out];
            Gemm.linear(cls, B, d, head.dense().weight, head.dense().bias, head.dense().out, dense);
            for (int i = 0; i < dense.length; i++)
                dense[i] = head.activation() == ClassifierHead.DenseActivation.TANH ? (float) Math.tanh(dense[i]) : Math.max(0f, dense[i]);
            in = dense;
        }
        float[] logits = new float[B * head.out().out];
        Gemm.linear(in, B, head.out().in, head.out().weight, head.out().bias, head.out().out, logits);
        return new float[][]{logits, dense};
    }

    /** Layer l alone on input x (no trace, no capture), for passes that change the batch between layers. */
    float[] layer(int l, float[] x, Batch batch, Masks[] masksBySeq) {
        return layers[l].forward(x, batch, masksBySeq, null, null, new Workspace(true));
    }

    /** Layer l's backward pass (see {@link TransformerLayer#backward}). */
    TransformerLayer transformerLayer(int l) { return layers[l]; }
}
