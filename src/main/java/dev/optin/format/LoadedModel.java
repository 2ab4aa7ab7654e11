package dev.optin.format;

import dev.optin.model.EncoderWeights;

import java.nio.file.Path;

/**
 * A model ready to run: weights, its tokenizer, a human-readable description of where it came
 * from, and the ONNX file or checkpoint folder it was read from (either may be null).
 */
public record LoadedModel(EncoderWeights weights, TextTokenizer tokenizer, String source, Path onnxPath, Path folder)
        implements AutoCloseable {
    @Override public void close() { tokenizer.close(); }
}
