package dev.optin.format.vit;

import dev.optin.format.CheckpointOptions;
import dev.optin.format.torch.SafetensorsFloats;
import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.TorchCheckpoint;

import dev.optin.format.ImagePreprocessing;
import dev.optin.format.OnnxModelLoader;
import dev.optin.model.EncoderWeights;
import dev.optin.model.PatchEmbeddings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Loads a vision transformer from a Hugging Face folder (config.json + model.safetensors), or
 * from a bare state dict (.safetensors, or PyTorch zip .pt/.pth/.bin read by a restricted
 * unpickler) in timm or lucidrains vit-pytorch layout, recognised by its key names.
 */
public final class VitLoader {
    private VitLoader() {}

    public static LoadedVit load(Path path, CheckpointOptions options) throws IOException {
        if (Files.isDirectory(path)) {
            if (!Files.exists(path.resolve("config.json"))) throw new IOException(path + ": folder has no config.json");
            return HfVitLayout.load(path, options);
        }
        if (!Files.isRegularFile(path)) throw new IOException(path + ": no such file or folder");
        String name = path.getFileName().toString().toLowerCase();
        return load(path, name.endsWith(".safetensors") ? SafetensorsFloats.read(path) : TorchCheckpoint.read(path), options);
    }

    /** A state dict already read from path, in timm or lucidrains layout. */
    public static LoadedVit load(Path path, StateDict sd, CheckpointOptions options) throws IOException {
        EncoderWeights w;
        String layout;
        if (TimmVitLayout.matches(sd)) { w = TimmVitLayout.build(sd, options); layout = "timm"; }
        else if (LucidrainsVitLayout.matches(sd)) { w = LucidrainsVitLayout.build(sd, options); layout = "lucidrains"; }
        else throw new IOException(path + ": unrecognised vision state dict (expected timm patch_embed.*/blocks.* or lucidrains to_patch_embedding.*/transformer.layers.* keys); first keys: "
                + sd.keys().stream().limit(6).toList());
        PatchEmbeddings e = w.patchEmbeddings();
        return new LoadedVit(w, fallbackPreprocessing(options, e.channels(), e.imageHeight(), e.imageWidth()), layout);
    }

    /**
     * optin's own model.onnx of a vision transformer: the config and preprocessing its metadata
     * holds, the weights its initializers hold under Hugging Face names (read as {@link HfVitLayout} reads a folder).
     */
    public static LoadedVit load(OnnxModelLoader.OptinExport export, Path onnx, CheckpointOptions options) throws IOException {
        return HfVitLayout.build(export.config(), export.file() + " (" + OnnxModelLoader.OPTIN_CONFIG + ")",
                SafetensorsFloats.of(onnx, export.tensors()), export.preprocessorJson(), options);
    }

    static ImagePreprocessing fallbackPreprocessing(CheckpointOptions o, int channels, int h, int w) {
        float[] mean = o.mean(), std = o.std();
        if (mean == null) { mean = new float[channels]; Arrays.fill(mean, 0.5f); }
        if (std == null) { std = new float[channels]; Arrays.fill(std, 0.5f); }
        if (mean.length == 1 && channels > 1) { float m = mean[0]; mean = new float[channels]; Arrays.fill(mean, m); }
        if (std.length == 1 && channels > 1) { float s = std[0]; std = new float[channels]; Arrays.fill(std, s); }
        return ImagePreprocessing.of(channels, h, w, mean, std);
    }
}
