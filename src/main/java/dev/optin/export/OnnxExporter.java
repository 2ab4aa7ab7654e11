package dev.optin.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.optin.format.OnnxModelLoader;
import dev.optin.format.TempFiles;
import dev.optin.model.ClassifierHead;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.SegmentationHead;
import dev.optin.model.VitHead;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exports an encoder of any family (per-layer head counts and FFN widths may differ, also 0) as
 * a standard ONNX graph, opset 17 (LayerNormalization), IR version 8, so it runs in stock ONNX
 * Runtime: stem ({@link OnnxStemEmitter}), layers ({@link OnnxLayerEmitter}, norm placement by
 * family), head ({@link OnnxHeadEmitter}).
 *
 * <p>Text models: inputs {@code input_ids}, {@code attention_mask} (and {@code token_type_ids}
 * when the model has token-type embeddings), int64 [batch_size, sequence_length]; outputs
 * {@code last_hidden_state} [batch_size, sequence_length, hidden] and, with a classifier,
 * {@code logits} [batch_size, labels] (from the first token).
 * Image models: input {@code pixel_values} float [batch_size, channels, height, width]; output
 * {@code logits}. OPTIN's token merging is not part of the graph (which tokens merge depends on
 * the data; it is engine-only, {@code TokenReducedForward}): the graph is the head/neuron-pruned model.
 *
 * <p>Every model carries the metadata entry {@value #CONFIG_METADATA} (the config.json the
 * checkpoint writer writes, per-layer sizes included) and its initializers carry the family's
 * Hugging Face state-dict names ({@link HfFamily}), so optin reads its own exports back exactly.
 * Image models given their preprocessor_config.json also carry it as {@value #PREPROCESSOR_METADATA}.
 */
public final class OnnxExporter {
    private OnnxExporter() {}

    public static final int OPSET = OnnxGraphBuilder.OPSET;
    public static final long IR_VERSION = OnnxGraphBuilder.IR_VERSION;
    /** Metadata key holding the model's Hugging Face config.json. */
    public static final String CONFIG_METADATA = OnnxModelLoader.OPTIN_CONFIG;
    /** Metadata key holding an image model's preprocessor_config.json. */
    public static final String PREPROCESSOR_METADATA = OnnxModelLoader.OPTIN_PREPROCESSOR;
    /** The input of image models. */
    public static final String PIXEL_VALUES = OnnxStemEmitter.PIXEL_VALUES;

    public static void export(EncoderWeights w, Path out) throws IOException { export(w, out, null); }

    /** Writes build(w, preprocessorJsonOrNull) to out atomically (temporary sibling, then move). */
    public static void export(EncoderWeights w, Path out, String preprocessorJsonOrNull) throws IOException {
        ModelProto model = build(w, preprocessorJsonOrNull);
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = TempFiles.sibling(out);
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                model.writeTo(os);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static ModelProto build(EncoderWeights w) { return build(w, null); }

    /** The model's graph with its metadata; preprocessorJsonOrNull is stored for image models only. */
    public static ModelProto build(EncoderWeights w, String preprocessorJsonOrNull) {
        EncoderConfig c = w.config();
        HfFamily names = HfFamily.of(w);
        boolean image = w.takesImages();
        OnnxGraphBuilder g = new OnnxGraphBuilder(image ? "optin_vision_transformer" : "optin_encoder");
        OnnxLayerEmitter layers = new OnnxLayerEmitter(g, c, names);
        OnnxStemEmitter.Stem stem = image ? OnnxStemEmitter.patches(g, w, (HfVitNames) names)
                : OnnxStemEmitter.text(g, w, (HfTensorNames) names, layers);
        String x = stem.states();
        for (int l = 0; l < c.layers(); l++) {
            boolean last = !image && l == c.layers() - 1;
            x = layers.layer(l, w.layers()[l], x, stem.mask4(), last ? "last_hidden_state" : null);
        }
        if (w.head() instanceof VitHead h) {
            OnnxHeadEmitter.vit(g, layers, x, h, (HfVitNames) names);
        } else if (w.head() instanceof SegmentationHead h) {
            OnnxHeadEmitter.segmentation(g, layers, x, h, (HfVitNames) names);
        } else {
            g.graph.addOutput(OnnxGraphBuilder.value("last_hidden_state", TensorProto.DataType.FLOAT, "batch_size", "sequence_length", c.hidden()));
            if (w.head() instanceof ClassifierHead h) OnnxHeadEmitter.pooled(g, layers, x, h, (HfTensorNames) names);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(CONFIG_METADATA, CheckpointConfig.of(w, null).toString());
        if (image && preprocessorJsonOrNull != null) metadata.put(PREPROCESSOR_METADATA, preprocessorJsonOrNull);
        return g.model(metadata);
    }
}
