package dev.optin.format.vit;

import dev.optin.format.ImagePreprocessing;
import dev.optin.model.EncoderWeights;
import dev.optin.model.PatchEmbeddings;

/** A loaded vision transformer, how its input images must be prepared, and which key layout it came in. */
public record LoadedVit(EncoderWeights weights, ImagePreprocessing preprocessing, String layout) {
    public PatchEmbeddings embeddings() { return weights.patchEmbeddings(); }
}
