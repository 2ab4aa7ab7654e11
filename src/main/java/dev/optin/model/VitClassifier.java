package dev.optin.model;

import java.util.List;

/** A vision transformer as an {@link ImageClassifier}: patch embedding, the encoder under fixed masks, its head. */
final class VitClassifier implements ImageClassifier {
    private final Encoder encoder;
    private final PatchEmbeddings emb;
    private final Masks masks;

    VitClassifier(EncoderWeights w, Masks masks) {
        this.encoder = new Encoder(w);
        this.emb = w.patchEmbeddings();
        this.masks = masks;
    }

    @Override public int channels() { return emb.channels(); }
    @Override public int classes() { return encoder.config().numLabels(); }

    @Override public List<String> classNames() {
        EncoderConfig c = encoder.config();
        return c.labels().size() == c.numLabels() ? c.labels() : List.of();
    }

    @Override public float[] logits(float[] pixels, int n, int h, int w) { return run(pixels, n).logits; }

    @Override public int featureWidth() { return encoder.config().hidden(); }

    /** Each image's first token (CLS) of the final hidden states, after the last layer norm. */
    @Override public float[] features(float[] pixels, int n, int h, int w) {
        Batch b = emb.batch(n);
        float[] hidden = encoder.run(b, Encoder.same(masks, n), 0, emb.embed(pixels, n), Capture.NONE).hidden;
        int d = featureWidth();
        float[] f = new float[n * d];
        for (int i = 0; i < n; i++) System.arraycopy(hidden, b.offsets[i] * d, f, i * d, d);
        return f;
    }

    private ForwardResult run(float[] pixels, int n) {
        return encoder.run(emb.batch(n), Encoder.same(masks, n), 0, emb.embed(pixels, n), Capture.NONE);
    }
}
