package dev.optin.probe;

import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.progress.Progress;

/**
 * Labelled examples read once, turned into frozen features by any network that reads them under
 * any masks (the original, or a pruned model as masks over the original's weights, or a pruned
 * model's own weights under {@link Network#ones()}). The examples are fixed at construction, so
 * two networks see exactly the same inputs.
 */
public sealed interface FeatureSource permits TextFeatures, ImageFeatures {
    /** Number of examples. */
    int rows();

    /** The features of every example, in order; one progress step per batch under {@code name}. */
    Features extract(Network network, Masks masks, String name, Progress progress);
}
