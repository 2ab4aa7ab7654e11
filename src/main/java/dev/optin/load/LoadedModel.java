package dev.optin.load;

import dev.optin.format.TextTokenizer;

import dev.optin.model.EncoderWeights;
import dev.optin.model.Network;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.format.ImagePreprocessing;

import java.nio.file.Path;

/**
 * A model ready to run: its network (a transformer encoder or a ResNet), its tokenizer (null for a
 * vision model), how images must be prepared (null for a text model), a human-readable
 * description of where it came from, and the ONNX file or checkpoint folder it was read from
 * (either may be null). The stages that work on one family only take its weights through
 * {@link #weights()} or {@link #resnet()}, which refuse the other family in one line.
 */
public record LoadedModel(Network network, TextTokenizer tokenizer, ImagePreprocessing preprocessing, String source,
                          Path onnxPath, Path folder) implements AutoCloseable {
    /** A text model. */
    public LoadedModel(EncoderWeights weights, TextTokenizer tokenizer, String source, Path onnxPath, Path folder) {
        this((Network) weights, tokenizer, null, source, onnxPath, folder);
    }

    /** The transformer's weights; refused for another family. */
    public EncoderWeights weights() {
        if (network instanceof EncoderWeights w) return w;
        throw new IllegalArgumentException(source + " is a " + network.family() + " network; this step supports transformer encoders only");
    }

    /** The ResNet's weights; refused for another family. */
    public ResNetWeights resnet() {
        if (network instanceof ResNetWeights w) return w;
        throw new IllegalArgumentException(source + " is a " + network.family() + " network, not a ResNet");
    }

    public boolean takesImages() { return network.takesImages(); }

    @Override public void close() { if (tokenizer != null) tokenizer.close(); }
}
