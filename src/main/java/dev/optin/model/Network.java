package dev.optin.model;

/**
 * A model family's weights as the loader hands them out: a transformer encoder
 * ({@link EncoderWeights}) or a residual convolutional network
 * ({@code model.resnet.ResNetWeights}). What every family answers is here; what only one family
 * has stays on its own type, and the pipeline stages that need it ask for that type by name
 * ({@code LoadedModel.weights()}, {@code LoadedModel.resnet()}), refusing the others in one line.
 */
public interface Network {
    /** Whether the model classifies images (its data is images, not text). */
    boolean takesImages();

    /** All parameters (BatchNorm running statistics excluded). */
    long parameters();

    /** The family, for messages and reports: {@code transformer}, {@code resnet}. */
    String family();

    /** How the model's output is read: one distribution per input, or one per position (segmenters). */
    Prediction prediction();

    /** Masks of 1 for every prunable unit: the unpruned model. */
    Masks ones();

    /** The model as an image classifier; refused for a text model. */
    default ImageClassifier imageClassifier() { return imageClassifier(ones()); }

    /** The model under these masks (gates over its units) as an image classifier; refused for a text model. */
    default ImageClassifier imageClassifier(Masks masks) {
        throw new IllegalArgumentException("a " + family() + " text model is not an image classifier");
    }
}
