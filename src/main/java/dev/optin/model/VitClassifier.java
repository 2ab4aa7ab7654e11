package dev.optin.model;

import java.util.List;

/** A vision transformer as an {@link ImageClassifier}: patch embedding, the encoder with all masks 1, its head. */
final class VitClassifier implements ImageClassifier {
    private final Encoder encoder;
    private final PatchEmbeddings emb;

    VitClassifier(EncoderWeights w) {
        this.encoder = new Encoder(w);
        this.emb = w.patchEmbeddings();
    }

    @Override public int channels() { return emb.channels(); }
    @Override public int classes() { return encoder.config().numLabels(); }

    @Override public List<String> classNames() {
        EncoderConfig c = encoder.config();
        return c.labels().size() == c.numLabels() ? c.labels() : List.of();
    }

    @Override public float[] logits(float[] pixels, int n, int h, int w) {
        return encoder.run(emb.batch(n), Encoder.same(Masks.ones(encoder.config()), n), 0, emb.embed(pixels, n), Capture.NONE).logits;
    }
}
