package dev.optin.export;

import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.format.ImagePreprocessing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code prune --out DIR} writes, all-or-nothing: the physically pruned model as a Hugging
 * Face folder (config.json, model.safetensors, tokenizer files or preprocessor_config.json),
 * {@code model.onnx} (an image model's carries the folder's preprocessor_config.json, so either
 * file evaluates alike), and the caller's extra files (e.g. masks.json, report.json) already serialized.
 */
public final class PrunedModelExport {
    private PrunedModelExport() {}

    public static final String ONNX_FILE = "model.onnx";

    /** @return the pruned weights that were written */
    public static EncoderWeights write(EncoderWeights original, Masks masks, Path out, Path sourceFolderOrNull,
                                       boolean force, Map<String, byte[]> extraFiles) throws IOException {
        EncoderWeights pruned;
        try (OutputDirectory dir = OutputDirectory.create(out, force, sourceFolderOrNull)) {
            pruned = writeInto(original, masks, dir.dir(), sourceFolderOrNull);
            for (Map.Entry<String, byte[]> f : extraFiles.entrySet()) {
                Path p = dir.dir().resolve(f.getKey()).normalize();
                if (!p.getParent().equals(dir.dir())) throw new IllegalArgumentException("extra file name " + f.getKey() + " must be a plain file name");
                Files.write(p, f.getValue());
            }
            dir.commit();
        }
        return pruned;
    }

    /** Writes the pruned checkpoint and model.onnx into an existing (temporary) folder; returns the pruned weights. */
    public static EncoderWeights writeInto(EncoderWeights original, Masks masks, Path dir, Path sourceFolderOrNull) throws IOException {
        return writeInto(original, masks, dir, sourceFolderOrNull, null);
    }

    /**
     * As {@link #writeInto(EncoderWeights, Masks, Path, Path)}; for a vision transformer, prepOrNull
     * is written as preprocessor_config.json when the source folder has none (e.g. a .pt checkpoint).
     */
    public static EncoderWeights writeInto(EncoderWeights original, Masks masks, Path dir, Path sourceFolderOrNull,
                                           ImagePreprocessing prepOrNull) throws IOException {
        EncoderWeights pruned = PhysicalPruner.prune(original, masks);
        HfCheckpointWriter.writeInto(pruned, dir, sourceFolderOrNull, prepOrNull);
        Path prep = dir.resolve(PreprocessorConfig.FILE);
        String prepJson = pruned.takesImages() && Files.isRegularFile(prep) ? Files.readString(prep) : null;
        OnnxExporter.export(pruned, dir.resolve(ONNX_FILE), prepJson);
        return pruned;
    }
}
