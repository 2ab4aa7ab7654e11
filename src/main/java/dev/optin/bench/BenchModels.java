package dev.optin.bench;

import dev.optin.export.OnnxExporter;
import dev.optin.export.PrunedModelExport;
import dev.optin.format.OnnxModelLoader;
import dev.optin.load.LoadedModel;
import dev.optin.model.EncoderWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the ONNX file ONNX Runtime should run for a model, exporting one when the model has none. */
public final class BenchModels {
    private BenchModels() {}

    /**
     * The model's own ONNX file: the .onnx it was loaded from, or model.onnx in its folder (as pruned
     * folders have); else null. For an image model only a file optin wrote counts (another one, e.g.
     * from torch.onnx, is a different graph; the caller exports the loaded weights instead).
     */
    public static Path existingOnnx(LoadedModel m) {
        Path p = m.onnxPath();
        if (p == null && m.folder() != null && Files.isRegularFile(m.folder().resolve(PrunedModelExport.ONNX_FILE)))
            p = m.folder().resolve(PrunedModelExport.ONNX_FILE);
        if (p != null && m.takesImages() && OnnxModelLoader.optinExport(p) == null) return null;
        return p;
    }

    /**
     * An ONNX file written by {@link OnnxExporter} to a fresh temporary file, so a model without
     * one goes through the same exporter as pruned models. The caller deletes it.
     */
    public static Path exportTemporary(EncoderWeights w) {
        try {
            Path p = Files.createTempFile("optin-bench-", ".onnx");
            try {
                OnnxExporter.export(w, p);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(p);
                throw e;
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export a temporary ONNX file for benchmarking: " + e.getMessage(), e);
        }
    }

    static void deleteQuietly(Path p) {
        if (p == null) return;
        try { Files.deleteIfExists(p); } catch (IOException ignored) { /* a temp file; the OS cleans up */ }
    }
}
