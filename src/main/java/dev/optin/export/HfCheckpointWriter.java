package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.ImagePreprocessing;
import dev.optin.format.SafetensorsWriter;
import dev.optin.format.SentencePoolingConfig;
import dev.optin.model.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes an encoder of any family (typically physically pruned) as a Hugging Face checkpoint
 * folder: {@code config.json} ({@link CheckpointConfig}: the family's keys plus optin's per-layer
 * sizes), {@code model.safetensors} (fp32, the HF parameter names of the family, see
 * {@link HfFamily}: {@code bert.*}/{@code roberta.*}/{@code distilbert.*}/{@code vit.*}/{@code deit.*},
 * plus the classifier when the model has one), the tokenizer files of the source folder and, for
 * an image model, {@code preprocessor_config.json} (copied from the source folder, or written from
 * the model's preprocessing so that the folder is complete).
 */
public final class HfCheckpointWriter {
    private HfCheckpointWriter() {}

    /** Tokenizer files copied from the source folder when present. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.txt", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt", "added_tokens.json");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes a new folder outDir (refused when it exists and is not empty, or overlaps the source). */
    public static Path write(EncoderWeights w, Path outDir, Path sourceFolderOrNull) throws IOException {
        return write(w, outDir, sourceFolderOrNull, false);
    }

    public static Path write(EncoderWeights w, Path outDir, Path sourceFolderOrNull, boolean force) throws IOException {
        try (OutputDirectory out = OutputDirectory.create(outDir, force, sourceFolderOrNull)) {
            writeInto(w, out.dir(), sourceFolderOrNull);
            return out.commit();
        }
    }

    /** Writes the checkpoint files into an existing folder (for callers that add more files, e.g. the CLI). */
    public static void writeInto(EncoderWeights w, Path dir, Path sourceFolderOrNull) throws IOException {
        writeInto(w, dir, sourceFolderOrNull, null);
    }

    /**
     * As {@link #writeInto(EncoderWeights, Path, Path)}; for an image model, prepOrNull is written as
     * preprocessor_config.json when the source folder has none (e.g. a .pt checkpoint).
     */
    public static void writeInto(EncoderWeights w, Path dir, Path sourceFolderOrNull, ImagePreprocessing prepOrNull) throws IOException {
        JsonNode sourceConfig = null;
        if (sourceFolderOrNull != null && Files.isRegularFile(sourceFolderOrNull.resolve("config.json"))) {
            try {
                sourceConfig = new ObjectMapper().readTree(sourceFolderOrNull.resolve("config.json").toFile());
            } catch (IOException e) {
                throw new IOException(sourceFolderOrNull.resolve("config.json") + ": not valid JSON: " + e.getMessage(), e);
            }
        }
        JSON.writeValue(dir.resolve("config.json").toFile(), config(w, sourceConfig));
        tensors(w).write(dir.resolve("model.safetensors"));
        if (w.takesImages()) {
            boolean copied = sourceFolderOrNull != null && SourceFiles.copyIfPresent(sourceFolderOrNull, PreprocessorConfig.FILE, dir);
            if (!copied && prepOrNull != null) JSON.writeValue(dir.resolve(PreprocessorConfig.FILE).toFile(), PreprocessorConfig.of(prepOrNull));
        } else if (sourceFolderOrNull != null) {
            for (String f : TOKENIZER_FILES) SourceFiles.copyIfPresent(sourceFolderOrNull, f, dir);
        }
        writePooling(w, dir);
    }

    /** A [CLS]-pooling embedding model keeps its pooling (mean pooling, the default of a folder that declares none, writes nothing). */
    static void writePooling(EncoderWeights w, Path dir) throws IOException {
        if (w.head() instanceof EncoderOutput o && o.pooling() != Pooling.MEAN) SentencePoolingConfig.write(dir, o.pooling(), w.config().hidden());
    }

    /** The config.json written for w (see {@link CheckpointConfig}). */
    static ObjectNode config(EncoderWeights w, JsonNode source) { return CheckpointConfig.of(w, source); }

    // ---------------------------------------------------------------- model.safetensors

    /** Stem, layers, head: each family's tensors under its HF names, in HF's order. */
    static SafetensorsWriter tensors(EncoderWeights w) {
        HfFamily names = HfFamily.of(w);
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        names.stemTensors(st, w);
        for (int l = 0; l < w.config().layers(); l++) {
            LayerWeights lw = w.layers()[l];
            for (HfFamily.Part p : HfFamily.Part.values()) {
                String name = names.layer(l, p);
                switch (p) {
                    case QUERY -> linear(st, name, lw.query(), names.biasRequired(p));
                    case KEY -> linear(st, name, lw.key(), names.biasRequired(p));
                    case VALUE -> linear(st, name, lw.value(), names.biasRequired(p));
                    case ATTN_OUT -> linear(st, name, lw.attnOut(), names.biasRequired(p));
                    case ATTN_NORM -> norm(st, name, lw.attnNorm());
                    case FFN_IN -> linear(st, name, lw.ffnIn(), names.biasRequired(p));
                    case FFN_OUT -> linear(st, name, lw.ffnOut(), names.biasRequired(p));
                    case FFN_NORM -> norm(st, name, lw.ffnNorm());
                }
            }
        }
        names.headTensors(st, w);
        return st;
    }

    static float[] biasOrZeros(Linear lin) { return lin.bias != null ? lin.bias : new float[lin.out]; }

    /** name.weight [out][in] and name.bias (zeros when absent but required; left out when absent otherwise). */
    static void linear(SafetensorsWriter st, String name, Linear lin, boolean biasRequired) {
        st.add(name + ".weight", lin.weight, lin.out, lin.in);
        if (lin.bias != null || biasRequired) st.add(name + ".bias", biasOrZeros(lin), lin.out);
    }

    static void norm(SafetensorsWriter st, String name, Norm n) {
        st.add(name + ".weight", n.gamma(), n.gamma().length);
        st.add(name + ".bias", n.beta(), n.beta().length);
    }
}
