package dev.optin.model;

import java.util.List;

/**
 * What evaluating or probing an image classifier needs of any family: the channels its first
 * layer reads, its classes, logits of a batch of preprocessed pixels [n][channels][h][w], and
 * the features its final linear classifier reads (a linear probe's input).
 */
public interface ImageClassifier {
    int channels();

    int classes();

    /** Class names (id2label) when the checkpoint names them, else empty. */
    List<String> classNames();

    /** Logits [n][classes]. */
    float[] logits(float[] pixels, int n, int h, int w);

    /** Width of {@link #features}: what the classifier reads per image. */
    int featureWidth();

    /**
     * Frozen features [n][featureWidth()], the input of the final classifier (ViT: the CLS token
     * after the last layer norm; ResNet: the global-average-pooled output of the last block).
     */
    float[] features(float[] pixels, int n, int h, int w);
}
