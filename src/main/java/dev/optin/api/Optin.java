package dev.optin.api;

import dev.optin.format.CheckpointOptions;
import dev.optin.load.ModelLoader;

import java.nio.file.Path;

/** The library's entry point: load a model, then {@link OptinModel#prune} or {@link OptinModel#evaluate} it. */
public final class Optin {
    private Optin() {}

    /** A Hugging Face folder, an .onnx file, a PyTorch state dict, or the built-in name {@code minilm}. */
    public static OptinModel load(String pathOrName) { return load(pathOrName, CheckpointOptions.defaults()); }

    public static OptinModel load(Path path) { return load(path.toString()); }

    /** As {@link #load(String)}, with how to read state dicts that do not describe themselves (heads, normalisation). */
    public static OptinModel load(String pathOrName, CheckpointOptions options) {
        return new OptinModel(ModelLoader.load(pathOrName, options));
    }

    public static OptinModel load(Path path, CheckpointOptions options) { return load(path.toString(), options); }
}
