package dev.optin.model;

/**
 * What follows the last layer: {@link EncoderOutput} (a bare encoder: the caller pools),
 * {@link ClassifierHead} (pooler and classifier on token 0, text), {@link VitHead} (final layer
 * norm, classifier on token 0 and DeiT's distillation head on token 1) or {@link SegmentationHead}
 * (final layer norm, a linear classifier per patch token). The head gives the hidden
 * states a forward pass returns, the logits, what they predict ({@link Prediction}), and the way
 * back from d loss / d logits for {@link MaskGradients}.
 */
public sealed interface Head permits EncoderOutput, ClassifierHead, VitHead, SegmentationHead {
    /**
     * What a forward pass returns after the layers.
     *
     * @param hidden [tokens × hidden]: the last layer's output, or its final layer norm (ViT)
     * @param logits [batch × positions × labels] (see {@link Prediction}), or null without a classifier
     */
    record Output(float[] hidden, float[] logits) {}

    /** The head on the last layer's output lastOut [batch.tokens × hidden]. */
    Output forward(float[] lastOut, Batch batch, EncoderConfig config);

    /**
     * d loss / d lastOut into dHidden [batch.tokens × hidden] (rows the head does not read stay
     * as they are, zero from the caller), from dLogits (the logits' shape); lastOut as in {@link #forward}.
     */
    void backward(float[] lastOut, Batch batch, EncoderConfig config, float[] dLogits, float[] dHidden);

    /**
     * The rows of lastOut [batch.tokens × hidden] the logits depend on, ascending, or null when every row
     * counts (the default). A traced pass ({@link MaskGradients}) then computes the last layer's FFN output
     * and back-propagates through its FFN and attention output only on these rows: the others' gradient is 0.
     */
    default int[] rowsRead(Batch batch) { return null; }

    /** Classes per distribution; 0 without a classifier. */
    int labels();

    /** What the logits predict: one distribution per input unless the head says otherwise. */
    default Prediction prediction() { return new Prediction.PerInput(labels()); }

    long parameters();

    /** The head's final linear classifier as a refittable read-out, when it has one ({@link LinearReadout}). */
    default java.util.Optional<LinearReadout> readout() { return java.util.Optional.empty(); }

    /** Rows batch.firstRow(s) + offset of x [tokens × d], one per sequence, as [batch × d]. */
    static float[] token(float[] x, Batch batch, int d, int offset) {
        float[] tok = new float[batch.size() * d];
        for (int s = 0; s < batch.size(); s++) System.arraycopy(x, (batch.firstRow(s) + offset) * d, tok, s * d, d);
        return tok;
    }
}
