package dev.optin.model;

/**
 * A head that ends in one linear classifier applied to rows of the normalised hidden states (the
 * patch tokens of {@link SegmentationHead}): what a refit of that classifier after pruning needs —
 * the rows it reads, in the order of the logits it gives, and the same head with another classifier.
 */
public interface LinearReadout {
    /** The classifier [labels][hidden]. */
    Linear classifier();

    /** The rows the classifier reads from the head's normalised hidden states [tokens × d], as [rows × d] in logits order. */
    float[] readRows(float[] normed, Batch batch, int d);

    /** This head with {@code classifier} (same shape) instead of its own. */
    Head withClassifier(Linear classifier);
}
