package dev.optin.format.resnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.FormatException;
import dev.optin.format.ImagePreprocessing;
import dev.optin.format.torch.SafetensorsFloats;
import dev.optin.format.torch.StateDict;
import dev.optin.model.resnet.ResNetWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A torchvision ResNet from a bare state dict (read by the caller) or from optin's export folder
 * ({@code config.json} with {@code optin_family: torchvision-resnet}, {@code model.safetensors}
 * in torchvision names, {@code preprocessor_config.json}). The network is fully convolutional, so
 * its preprocessing keeps each image's size ({@link ImagePreprocessing#anySize()}); a grey image is
 * replicated to the model's channels. Normalisation: the folder's preprocessor config, else
 * {@code --mean/--std} (one value applies to every channel), else ImageNet's (torchvision's default)
 * for 3 channels and 0.5 otherwise.
 */
public final class ResNetLoader {
    public static final String FAMILY = "torchvision-resnet";
    static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f}, IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private ResNetLoader() {}

    public record Loaded(ResNetWeights weights, ImagePreprocessing preprocessing) {}

    public static Loaded fromStateDict(StateDict sd, CheckpointOptions options) {
        ResNetWeights w = TorchvisionResNet.read(sd);
        return new Loaded(w, preprocessing(w.channels(), options));
    }

    /** True for a folder optin exported a ResNet to. */
    public static boolean isFolder(Path p) {
        Path cfg = p.resolve("config.json");
        if (!Files.isDirectory(p) || !Files.isRegularFile(cfg)) return false;
        try {
            return FAMILY.equals(new ObjectMapper().readTree(cfg.toFile()).path("optin_family").asText(""));
        } catch (IOException e) {
            throw new FormatException(cfg + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    public static Loaded fromFolder(Path dir, CheckpointOptions options) throws IOException {
        Path st = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(st)) throw new FormatException(dir + ": no model.safetensors beside config.json");
        ResNetWeights w = TorchvisionResNet.read(SafetensorsFloats.read(st));
        ResNetConfig.check(new ObjectMapper().readTree(dir.resolve("config.json").toFile()), w, dir.resolve("config.json"));
        Path prep = dir.resolve("preprocessor_config.json");
        ImagePreprocessing p = Files.isRegularFile(prep) && options.mean() == null && options.std() == null
                ? ImagePreprocessing.fromPreprocessorConfig(prep, w.channels(), 0, 0) : preprocessing(w.channels(), options);
        return new Loaded(w, p);
    }

    static ImagePreprocessing preprocessing(int channels, CheckpointOptions o) {
        float[] mean = perChannel(o.mean(), channels, channels == 3 ? IMAGENET_MEAN : null, "--mean");
        float[] std = perChannel(o.std(), channels, channels == 3 ? IMAGENET_STD : null, "--std");
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("--std must be positive, got " + s);
        return ImagePreprocessing.of(channels, 0, 0, mean, std);
    }

    private static float[] perChannel(float[] given, int channels, float[] dflt, String option) {
        float[] r = new float[channels];
        if (given == null) {
            if (dflt != null) return dflt.clone();
            Arrays.fill(r, 0.5f);
            return r;
        }
        if (given.length == 1) { Arrays.fill(r, given[0]); return r; }
        if (given.length != channels)
            throw new IllegalArgumentException(option + " has " + given.length + " values; the model's first convolution takes " + channels + " channels (give one value or " + channels + ")");
        return given.clone();
    }

    /** The config.json of an export: family, block type, stages, every block's widths, classes. */
    public static final class ResNetConfig {
        private ResNetConfig() {}

        public static com.fasterxml.jackson.databind.node.ObjectNode json(ResNetWeights w) {
            var j = new ObjectMapper().createObjectNode();
            j.put("optin_family", FAMILY);
            j.putArray("architectures").add("torchvision.models.ResNet");
            j.put("block", w.bottleneck() ? "Bottleneck" : "BasicBlock");
            var st = j.putArray("stages");
            for (int s : w.stages()) st.add(s);
            j.put("num_channels", w.channels());
            j.put("num_labels", w.classes());
            var widths = j.putArray("optin_block_widths");
            for (int b = 0; b < w.blocks().length; b++) {
                var a = widths.addArray();
                for (int i = 0; i < w.blocks()[b].groups(); i++) a.add(w.blocks()[b].convs().get(i).out());
            }
            return j;
        }

        /** The folder's config must describe the weights beside it (the shapes decide; the config documents them). */
        static void check(JsonNode cfg, ResNetWeights w, Path file) {
            JsonNode widths = cfg.path("optin_block_widths");
            if (!widths.isMissingNode() && !widths.equals(json(w).get("optin_block_widths")))
                throw new FormatException(file + ": optin_block_widths " + widths + " differ from the widths of model.safetensors " + json(w).get("optin_block_widths"));
            if (cfg.has("num_labels") && cfg.get("num_labels").asInt() != w.classes())
                throw new FormatException(file + ": num_labels " + cfg.get("num_labels") + " differs from fc.weight's " + w.classes() + " classes");
        }
    }
}
