package dev.optin.model;

import java.util.List;

/**
 * What evaluating an image classifier needs of any family: the channels its first layer reads,
 * its classes, and logits of a batch of preprocessed pixels [n][channels][h][w].
 */
public interface ImageClassifier {
    int channels();

    int classes();

    /** Class names (id2label) when the checkpoint names them, else empty. */
    List<String> classNames();

    /** Logits [n][classes]. */
    float[] logits(float[] pixels, int n, int h, int w);
}
