package dev.optin.format.vision;

import dev.optin.vision.ImagePreprocessing;
import dev.optin.model.EncoderWeights;
import dev.optin.model.VisionEmbeddings;

/** A loaded vision transformer, how its input images must be prepared, and which key layout it came in. */
public record LoadedVisionModel(EncoderWeights weights, ImagePreprocessing preprocessing, String layout) {
    public VisionEmbeddings embeddings() { return weights.vision().embeddings(); }
}
