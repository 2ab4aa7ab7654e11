package dev.optin.model;

/** All weights of an encoder model, in memory as fp32. The classifier head is null for a bare encoder. */
public record EncoderWeights(EncoderConfig config, Embeddings embeddings, LayerWeights[] layers, ClassifierHead head) {
    public EncoderWeights {
        if (layers.length != config.layers()) throw new IllegalArgumentException("config says " + config.layers() + " layers, weights have " + layers.length);
    }

    /** Parameters of the encoder layers only (what pruning changes). */
    public long layerParameters() {
        long p = 0;
        for (LayerWeights l : layers) p += l.parameters();
        return p;
    }

    public long parameters() {
        return embeddings.parameters() + layerParameters() + (head == null ? 0 : head.parameters());
    }
}
