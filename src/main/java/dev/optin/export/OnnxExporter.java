package dev.optin.export;

import ai.onnx.proto.OnnxMl.*;
import dev.optin.format.TempFiles;
import dev.optin.model.*;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static dev.optin.export.OnnxGraphBuilder.attr;

/**
 * Exports an encoder (per-layer head counts and FFN widths may differ, also 0) as a standard
 * ONNX graph, opset 17 (LayerNormalization), IR version 8, so it runs in stock ONNX Runtime.
 *
 * <p>Inputs (int64, dynamic axes {@code batch_size}, {@code sequence_length}): {@code input_ids},
 * {@code attention_mask} and, when the model has token-type embeddings, {@code token_type_ids}.
 * Outputs: {@code last_hidden_state} [batch_size, sequence_length, hidden] and, when the model
 * has a classifier, {@code logits} [batch_size, labels] (from the first token).
 * Position ids are {@code positionOffset + 0..T-1} (right padding, as the engine and HF do for
 * unpadded tokens). Padding keys get (1 - mask) · lowest-float added to the attention scores,
 * like Hugging Face's finfo.min masking. Layers without heads reduce attention to its output
 * bias; layers without neurons reduce the FFN to its second bias (no 0-sized tensors in the graph).
 * Vision transformers are built by {@link VisionOnnxExporter} (input {@code pixel_values}).
 */
public final class OnnxExporter {
    private OnnxExporter() {}

    public static final int OPSET = 17;
    public static final long IR_VERSION = 8;
    /** Metadata key holding the model's Hugging Face config.json (per-layer head and neuron counts included),
     *  so optin reads its own exports back exactly; initializers carry Hugging Face state-dict names. */
    public static final String CONFIG_METADATA = "optin.config";

    public static void export(EncoderWeights w, Path out) throws IOException {
        ModelProto model = build(w);
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

    public static ModelProto build(EncoderWeights w) {
        if (w.vision() != null) return VisionOnnxExporter.build(w);
        EncoderConfig c = w.config();
        int d = c.hidden(), dh = c.headSize();
        OnnxGraphBuilder g = new OnnxGraphBuilder();
        g.graph.setName("optin_encoder");
        TensorProto.DataType i64 = TensorProto.DataType.INT64, f32 = TensorProto.DataType.FLOAT;
        Embeddings e = w.embeddings();
        HfTensorNames n = new HfTensorNames(c.architecture());
        boolean types = e.tokenType() != null;
        g.graph.addInput(OnnxGraphBuilder.value("input_ids", i64, "batch_size", "sequence_length"));
        g.graph.addInput(OnnxGraphBuilder.value("attention_mask", i64, "batch_size", "sequence_length"));
        if (types) g.graph.addInput(OnnxGraphBuilder.value("token_type_ids", i64, "batch_size", "sequence_length"));

        // ---- embeddings
        String x = g.op("Gather", new String[]{g.floats(n.embeddings("word_embeddings.weight"), e.word(), e.word().length / d, d), "input_ids"});
        String shape = g.op("Shape", new String[]{"input_ids"});
        String len = g.op("Gather", new String[]{shape, g.int64s("const.one_i64", new long[]{1})}, attr("axis", 0L));
        String start = g.int64s("const.position_offset", new long[]{c.positionOffset()});
        String limit = g.op("Add", new String[]{len, start});
        String positions = g.op("Range", new String[]{start, limit, "const.one_i64"});
        x = g.op("Add", new String[]{x, g.op("Gather", new String[]{
                g.floats(n.embeddings("position_embeddings.weight"), e.position(), e.position().length / d, d), positions})});
        if (types)
            x = g.op("Add", new String[]{x, g.op("Gather", new String[]{
                    g.floats(n.embeddings("token_type_embeddings.weight"), e.tokenType(), e.tokenType().length / d, d), "token_type_ids"})});
        x = layerNorm(g, x, e.norm(), n.embeddings("LayerNorm"), c.layerNormEps(), null);

        // ---- additive attention mask [B,1,1,T]
        String maskF = g.op("Cast", new String[]{"attention_mask"}, attr("to", (long) f32.getNumber()));
        String inv = g.op("Sub", new String[]{g.scalar("const.one", 1f), maskF});
        String additive = g.op("Mul", new String[]{inv, g.scalar("const.lowest", -Float.MAX_VALUE)});
        String mask4 = g.op("Unsqueeze", new String[]{additive, g.int64s("const.axes_1_2", new long[]{1, 2}, 2)});
        String scale = g.scalar("const.attention_scale", (float) (1.0 / Math.sqrt(dh)));

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            String h = attentionBlock(g, c, lw, n, l, x, mask4, scale);
            x = ffnBlock(g, c, lw, n, l, h, l == c.layers() - 1 ? "last_hidden_state" : null);
        }
        g.graph.addOutput(OnnxGraphBuilder.value("last_hidden_state", f32, "batch_size", "sequence_length", d));

        ClassifierHead head = w.head();
        if (head != null) {
            String cls = g.op("Gather", new String[]{x, g.int64s("const.zero_i64", new long[]{0})}, attr("axis", 1L));
            if (head.dense() != null) {
                cls = gemm(g, cls, head.dense(), n.headDense(), null);
                cls = g.op(head.activation() == ClassifierHead.DenseActivation.TANH ? "Tanh" : "Relu", new String[]{cls});
            }
            gemm(g, cls, head.out(), n.headOut(), "logits");
            g.graph.addOutput(OnnxGraphBuilder.value("logits", f32, "batch_size", head.out().out));
        }
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("optin").setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey(CONFIG_METADATA)
                        .setValue(HfCheckpointWriter.config(w, null).toString()))
                .setGraph(g.graph).build();
    }

    /**
     * LN(x + attention(x)) of post-LN layer l (a layer with no heads adds only the output bias).
     * mask4 is the additive [B,1,1,T] padding mask, or null when every token is real.
     */
    static String attentionBlock(OnnxGraphBuilder g, EncoderConfig c, LayerWeights lw, HfTensorNames n, int l,
                                 String x, String mask4, String scale) {
        int d = c.hidden(), dh = c.headSize(), H = lw.heads(), A = H * dh;
        String p = "layer." + l + ".";
        String attn;
        if (H > 0) {
            String heads4 = g.int64s(p + "heads_shape", new long[]{0, 0, H, dh}, 4);
            String q = splitHeads(g, linear3(g, x, lw.query(), n.layer(l, HfTensorNames.Part.QUERY)), heads4, 0, 2, 1, 3);
            String k = splitHeads(g, linear3(g, x, lw.key(), n.layer(l, HfTensorNames.Part.KEY)), heads4, 0, 2, 3, 1);
            String v = splitHeads(g, linear3(g, x, lw.value(), n.layer(l, HfTensorNames.Part.VALUE)), heads4, 0, 2, 1, 3);
            String scores = g.op("Mul", new String[]{g.op("MatMul", new String[]{q, k}), scale});
            if (mask4 != null) scores = g.op("Add", new String[]{scores, mask4});
            String probs = g.op("Softmax", new String[]{scores}, attr("axis", -1L));
            String ctx = g.op("Transpose", new String[]{g.op("MatMul", new String[]{probs, v})}, attr("perm", 0L, 2L, 1L, 3L));
            ctx = g.op("Reshape", new String[]{ctx, g.int64s(p + "merge_shape", new long[]{0, 0, A}, 3)});
            attn = g.op("Add", new String[]{linear3(g, ctx, lw.attnOut(), n.layer(l, HfTensorNames.Part.ATTN_OUT)), x});
        } else {
            attn = lw.attnOut().bias == null ? x
                    : g.op("Add", new String[]{x, g.floats(n.layer(l, HfTensorNames.Part.ATTN_OUT) + ".bias", lw.attnOut().bias, d)});
        }
        return layerNorm(g, attn, lw.attnNorm(), n.layer(l, HfTensorNames.Part.ATTN_NORM), c.layerNormEps(), null);
    }

    /** LN(h + FFN(h)) of post-LN layer l (a layer with no neurons adds only the output bias); output names the result, or null. */
    static String ffnBlock(OnnxGraphBuilder g, EncoderConfig c, LayerWeights lw, HfTensorNames n, int l, String h, String output) {
        String ffn;
        if (lw.intermediate() > 0) {
            String pre = linear3(g, h, lw.ffnIn(), n.layer(l, HfTensorNames.Part.FFN_IN));
            ffn = g.op("Add", new String[]{linear3(g, activation(g, pre, c.activation()), lw.ffnOut(), n.layer(l, HfTensorNames.Part.FFN_OUT)), h});
        } else {
            ffn = lw.ffnOut().bias == null ? h
                    : g.op("Add", new String[]{h, g.floats(n.layer(l, HfTensorNames.Part.FFN_OUT) + ".bias", lw.ffnOut().bias, c.hidden())});
        }
        return layerNorm(g, ffn, lw.ffnNorm(), n.layer(l, HfTensorNames.Part.FFN_NORM), c.layerNormEps(), output);
    }

    /** x[B,T,in] · Wᵀ + b. */
    static String linear3(OnnxGraphBuilder g, String x, Linear lin, String name) {
        String y = g.op("MatMul", new String[]{x, g.transposed(name + ".weight", lin.weight, lin.out, lin.in)});
        return lin.bias == null ? y : g.op("Add", new String[]{y, g.floats(name + ".bias", lin.bias, lin.out)});
    }

    /** x[B,in] · Wᵀ + b as one Gemm. */
    static String gemm(OnnxGraphBuilder g, String x, Linear lin, String name, String output) {
        String out = output != null ? output : g.fresh("gemm");
        String[] in = lin.bias == null
                ? new String[]{x, g.floats(name + ".weight", lin.weight, lin.out, lin.in)}
                : new String[]{x, g.floats(name + ".weight", lin.weight, lin.out, lin.in), g.floats(name + ".bias", lin.bias, lin.out)};
        g.opTo("Gemm", out, in, attr("transB", 1L));
        return out;
    }

    /** [B,T,H·dh] → [B,T,H,dh] → transposed by perm. */
    static String splitHeads(OnnxGraphBuilder g, String x, String shape4, long... perm) {
        return g.op("Transpose", new String[]{g.op("Reshape", new String[]{x, shape4})}, attr("perm", perm));
    }

    static String layerNorm(OnnxGraphBuilder g, String x, Norm n, String name, float eps, String output) {
        String out = output != null ? output : g.fresh("layernorm");
        g.opTo("LayerNormalization", out, new String[]{x, g.floats(name + ".weight", n.gamma(), n.gamma().length),
                g.floats(name + ".bias", n.beta(), n.beta().length)}, attr("axis", -1L), attr("epsilon", eps));
        return out;
    }

    static String activation(OnnxGraphBuilder g, String x, Activation a) {
        return switch (a) {
            case RELU -> g.op("Relu", new String[]{x});
            case GELU -> {   // 0.5·x·(1 + erf(x/√2))
                String erf = g.op("Erf", new String[]{g.op("Mul", new String[]{x, g.scalar(g.fresh("const.inv_sqrt2"), (float) (1 / Math.sqrt(2)))})});
                String onePlus = g.op("Add", new String[]{erf, g.scalar(g.fresh("const.one"), 1f)});
                yield g.op("Mul", new String[]{g.op("Mul", new String[]{x, onePlus}), g.scalar(g.fresh("const.half"), 0.5f)});
            }
            case GELU_TANH -> { // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                String x3 = g.op("Mul", new String[]{g.op("Mul", new String[]{x, x}), x});
                String inner = g.op("Add", new String[]{x, g.op("Mul", new String[]{x3, g.scalar(g.fresh("const.c"), 0.044715f)})});
                String t = g.op("Tanh", new String[]{g.op("Mul", new String[]{inner, g.scalar(g.fresh("const.k"), (float) Math.sqrt(2 / Math.PI))})});
                String onePlus = g.op("Add", new String[]{t, g.scalar(g.fresh("const.one"), 1f)});
                yield g.op("Mul", new String[]{g.op("Mul", new String[]{x, onePlus}), g.scalar(g.fresh("const.half"), 0.5f)});
            }
        };
    }
}
