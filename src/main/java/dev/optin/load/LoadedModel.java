package dev.optin.load;

import dev.optin.format.TextTokenizer;

import dev.optin.model.EncoderWeights;
import dev.optin.format.ImagePreprocessing;

import java.nio.file.Path;

/**
 * A model ready to run: weights, its tokenizer (null for a vision model), how images must be
 * prepared (null for a text model), a human-readable description of where it came from, and the
 * ONNX file or checkpoint folder it was read from (either may be null).
 */
public record LoadedModel(EncoderWeights weights, TextTokenizer tokenizer, ImagePreprocessing preprocessing, String source,
                          Path onnxPath, Path folder) implements AutoCloseable {
    /** A text model. */
    public LoadedModel(EncoderWeights weights, TextTokenizer tokenizer, String source, Path onnxPath, Path folder) {
        this(weights, tokenizer, null, source, onnxPath, folder);
    }

    public boolean takesImages() { return weights.takesImages(); }

    @Override public void close() { if (tokenizer != null) tokenizer.close(); }
}
