package dev.optin.model;

/**
 * All weights of an encoder model, in memory as fp32. The classifier head is null for a bare encoder.
 * Vision transformers have no token embeddings (embeddings null) and carry their patch embedding,
 * final layer norm and optional distillation head in vision.
 */
public record EncoderWeights(EncoderConfig config, Embeddings embeddings, LayerWeights[] layers, ClassifierHead head,
                             VitWeights vision) {
    public EncoderWeights {
        if (layers.length != config.layers()) throw new IllegalArgumentException("config says " + config.layers() + " layers, weights have " + layers.length);
        if ((vision != null) != config.architecture().preNorm())
            throw new IllegalArgumentException("vision weights go with (and only with) the " + Architecture.VIT + " architecture");
    }

    public EncoderWeights(EncoderConfig config, Embeddings embeddings, LayerWeights[] layers, ClassifierHead head) {
        this(config, embeddings, layers, head, null);
    }

    /** Parameters of the encoder layers only (what pruning changes). */
    public long layerParameters() {
        long p = 0;
        for (LayerWeights l : layers) p += l.parameters();
        return p;
    }

    public long parameters() {
        return (embeddings == null ? 0 : embeddings.parameters()) + layerParameters() + (head == null ? 0 : head.parameters())
                + (vision == null ? 0 : vision.parameters());
    }
}
