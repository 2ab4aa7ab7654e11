package dev.optin.probe;

import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;

/**
 * Labelled examples read once, turned into frozen features by any encoder of the same family
 * under any masks (the original, or a pruned model as masks over the original's weights). The
 * examples are fixed at construction, so two encoders see exactly the same inputs.
 */
public sealed interface FeatureSource permits TextFeatures, ImageFeatures {
    /** Number of examples. */
    int rows();

    /** The features of every example, in order; one progress step per batch under {@code name}. */
    Features extract(Encoder encoder, Masks masks, String name, Progress progress);
}
