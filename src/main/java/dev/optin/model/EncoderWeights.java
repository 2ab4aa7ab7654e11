package dev.optin.model;

/**
 * All weights of an encoder model, in memory as fp32: the stem that embeds a batch, the layers,
 * and the head after them. Invariants: patch embeddings and a {@link VitHead} or
 * {@link SegmentationHead} go with (and only
 * with) the pre-LN {@link Architecture#VIT}; token embeddings with the post-LN text families,
 * whose head is a {@link ClassifierHead} or {@link EncoderOutput}; a distillation head needs the
 * stem's distillation token.
 */
public record EncoderWeights(EncoderConfig config, Stem stem, LayerWeights[] layers, Head head) implements Network {
    public EncoderWeights {
        java.util.Objects.requireNonNull(stem, "stem");
        java.util.Objects.requireNonNull(head, "head (a bare encoder has EncoderOutput)");
        if (layers.length != config.layers()) throw new IllegalArgumentException("config says " + config.layers() + " layers, weights have " + layers.length);
        boolean patches = stem instanceof PatchEmbeddings;
        if (patches != config.architecture().preNorm())
            throw new IllegalArgumentException("patch embeddings go with (and only with) the " + Architecture.VIT + " architecture");
        if (patches != (head instanceof VitHead || head instanceof SegmentationHead))
            throw new IllegalArgumentException("a vision transformer head goes with (and only with) patch embeddings");
        if (stem instanceof PatchEmbeddings p && head instanceof SegmentationHead s) {
            if (s.finalNorm().gamma().length != p.hidden()) throw new IllegalArgumentException("final layer norm size differs from the hidden size");
            if (s.firstPatch() + s.shape().positions() != p.tokens()) throw new IllegalArgumentException("the segmenter's grid does not cover the patch tokens");
        }
        if (stem instanceof PatchEmbeddings p && head instanceof VitHead v) {
            if (v.finalNorm().gamma().length != p.hidden()) throw new IllegalArgumentException("final layer norm size differs from the hidden size");
            if (v.distillation() != null && p.distillation() == null) throw new IllegalArgumentException("a distillation head needs a distillation token");
        }
    }

    /** Whether the model embeds images (its stem is {@link PatchEmbeddings}) rather than token ids. */
    @Override public boolean takesImages() { return stem instanceof PatchEmbeddings; }

    @Override public String family() { return "transformer"; }

    @Override public Masks ones() { return Masks.ones(config); }

    @Override public ImageClassifier imageClassifier(Masks masks) {
        if (!takesImages()) return Network.super.imageClassifier(masks);
        return new VitClassifier(this, masks);
    }

    /** The image stem; refused for a text encoder. */
    public PatchEmbeddings patchEmbeddings() {
        if (stem instanceof PatchEmbeddings p) return p;
        throw new IllegalStateException("a text encoder has no patch embeddings");
    }

    /** The text stem; refused for a vision transformer. */
    public TokenEmbeddings tokenEmbeddings() {
        if (stem instanceof TokenEmbeddings e) return e;
        throw new IllegalStateException("a vision transformer has no token embeddings");
    }

    /** Whether the head gives logits (every head but {@link EncoderOutput}). */
    /** The head's prediction (bare encoders: per input, with no classes). */
    @Override public Prediction prediction() { return head.prediction(); }

    public boolean hasClassifier() { return !(head instanceof EncoderOutput); }

    /** Parameters of the encoder layers only (what pruning changes). */
    public long layerParameters() {
        long p = 0;
        for (LayerWeights l : layers) p += l.parameters();
        return p;
    }

    @Override public long parameters() { return stem.parameters() + layerParameters() + head.parameters(); }
}
