package dev.optin.model;

/**
 * A head that ends in one linear classifier applied to rows derived from the hidden states (the
 * patch tokens of {@link SegmentationHead}, the normalised CLS token of a {@link VitHead} without a
 * distillation head, the pooled first token of a {@link ClassifierHead}): what a refit of that
 * classifier after pruning needs — the rows it reads, in the order of the logits it gives, and the
 * same head with another classifier.
 */
public interface LinearReadout {
    /** The classifier [labels][hidden]. */
    Linear classifier();

    /** The rows the classifier reads, from the hidden states the head's forward returns [tokens × ·], as [rows × d] in logits order. */
    float[] readRows(float[] normed, Batch batch, int d);

    /** This head with {@code classifier} (same shape) instead of its own. */
    Head withClassifier(Linear classifier);
}
