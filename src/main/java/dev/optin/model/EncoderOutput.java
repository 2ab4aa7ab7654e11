package dev.optin.model;

import java.util.Objects;

/**
 * No head: a bare text encoder (a sentence-embedding model) returns its last layer's output and
 * no logits; its sentence embedding pools them as the model declares ({@link Pooling}: mean by
 * default, or the [CLS] row). It has no mask gradients (there is no loss on logits).
 */
public record EncoderOutput(Pooling pooling) implements Head {
    public EncoderOutput { Objects.requireNonNull(pooling); }

    /** A mean-pooling embedding model. */
    public EncoderOutput() { this(Pooling.MEAN); }

    @Override
    public Output forward(float[] lastOut, Batch batch, EncoderConfig config) { return new Output(lastOut, null); }

    @Override
    public void backward(float[] lastOut, Batch batch, EncoderConfig config, float[] dLogits, float[] dHidden) {
        throw new IllegalStateException("a bare encoder has no logits to differentiate");
    }

    @Override
    public int labels() { return 0; }

    @Override
    public long parameters() { return 0; }
}
