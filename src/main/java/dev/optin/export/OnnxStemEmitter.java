package dev.optin.export;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.optin.model.TokenEmbeddings;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Linear;
import dev.optin.model.PatchEmbeddings;

import static dev.optin.export.OnnxGraphBuilder.attr;

/**
 * The part of the graph before the first layer: the graph inputs and the token states [B,T,D]
 * they become. Text: token + position (+ token type) embeddings and LayerNorm, plus the
 * additive padding mask. Images: the patch projection as a Conv (kernel = stride = patch size),
 * the CLS (and DeiT's distillation) token in front, plus position embeddings.
 */
final class OnnxStemEmitter {
    private OnnxStemEmitter() {}

    /** The token states and the additive [B,1,1,T] padding mask (null when every token is real). */
    record Stem(String states, String mask4) {}

    static final String INPUT_IDS = "input_ids", ATTENTION_MASK = "attention_mask", TOKEN_TYPE_IDS = "token_type_ids";
    static final String PIXEL_VALUES = "pixel_values";

    /**
     * Inputs (int64, [batch_size, sequence_length]): input_ids, attention_mask and, when the model
     * has token-type embeddings, token_type_ids. Position ids are positionOffset + 0..T-1 (right
     * padding). Padding keys get (1 - mask) · lowest-float added to their scores, as HF's finfo.min masking.
     */
    static Stem text(OnnxGraphBuilder g, EncoderWeights w, HfTensorNames n, OnnxLayerEmitter layers) {
        EncoderConfig c = w.config();
        int d = c.hidden();
        TensorProto.DataType i64 = TensorProto.DataType.INT64, f32 = TensorProto.DataType.FLOAT;
        TokenEmbeddings e = w.tokenEmbeddings();
        boolean types = e.tokenType() != null;
        g.graph.addInput(OnnxGraphBuilder.value(INPUT_IDS, i64, "batch_size", "sequence_length"));
        g.graph.addInput(OnnxGraphBuilder.value(ATTENTION_MASK, i64, "batch_size", "sequence_length"));
        if (types) g.graph.addInput(OnnxGraphBuilder.value(TOKEN_TYPE_IDS, i64, "batch_size", "sequence_length"));

        String x = g.op("Gather", new String[]{g.floats(n.embeddings("word_embeddings.weight"), e.word(), e.word().length / d, d), INPUT_IDS});
        String shape = g.op("Shape", new String[]{INPUT_IDS});
        String len = g.op("Gather", new String[]{shape, g.int64s("const.one_i64", new long[]{1})}, attr("axis", 0L));
        String start = g.int64s("const.position_offset", new long[]{c.positionOffset()});
        String limit = g.op("Add", new String[]{len, start});
        String positions = g.op("Range", new String[]{start, limit, "const.one_i64"});
        x = g.op("Add", new String[]{x, g.op("Gather", new String[]{
                g.floats(n.embeddings("position_embeddings.weight"), e.position(), e.position().length / d, d), positions})});
        if (types)
            x = g.op("Add", new String[]{x, g.op("Gather", new String[]{
                    g.floats(n.embeddings("token_type_embeddings.weight"), e.tokenType(), e.tokenType().length / d, d), TOKEN_TYPE_IDS})});
        x = layers.layerNorm(x, e.norm(), n.embeddings("LayerNorm"), null);

        String maskF = g.op("Cast", new String[]{ATTENTION_MASK}, attr("to", (long) f32.getNumber()));
        String inv = g.op("Sub", new String[]{g.scalar("const.one", 1f), maskF});
        String additive = g.op("Mul", new String[]{inv, g.scalar("const.lowest", -Float.MAX_VALUE)});
        String mask4 = g.op("Unsqueeze", new String[]{additive, g.int64s("const.axes_1_2", new long[]{1, 2}, 2)});
        return new Stem(x, mask4);
    }

    /**
     * Input pixel_values float [batch_size, channels, height, width], already normalised (as HF's
     * image processor gives them). Every token is real: no mask.
     */
    static Stem patches(OnnxGraphBuilder g, EncoderWeights w, HfVitNames n) {
        int d = w.config().hidden();
        PatchEmbeddings e = w.patchEmbeddings();
        int p = e.patchSize();
        g.graph.addInput(OnnxGraphBuilder.value(PIXEL_VALUES, TensorProto.DataType.FLOAT, "batch_size", e.channels(), e.imageHeight(), e.imageWidth()));

        // patches: Conv [B,D,gh,gw] -> [B,D,P] -> [B,P,D]
        Linear pw = e.patch();
        String convW = g.floats(n.patch() + ".weight", pw.weight, d, e.channels(), p, p);
        String convB = g.floats(n.patch() + ".bias", HfCheckpointWriter.biasOrZeros(pw), d);
        String conv = g.op("Conv", new String[]{PIXEL_VALUES, convW, convB}, attr("kernel_shape", (long) p, (long) p), attr("strides", (long) p, (long) p));
        String flat = g.op("Reshape", new String[]{conv, g.int64s("const.patch_shape", new long[]{0, d, -1}, 3)});
        String patches = g.op("Transpose", new String[]{flat}, attr("perm", 0L, 2L, 1L));

        // prefix tokens broadcast to the batch: Expand([1,1,D], [B,1,D])
        String shape = g.op("Shape", new String[]{PIXEL_VALUES});
        String batch = g.op("Gather", new String[]{shape, g.int64s("const.zero_1", new long[]{0}, 1)}, attr("axis", 0L));
        String prefixShape = g.op("Concat", new String[]{batch, g.int64s("const.one_d", new long[]{1, d}, 2)}, attr("axis", 0L));
        String cls = g.op("Expand", new String[]{g.floats(n.cls(), e.cls(), 1, 1, d), prefixShape});
        String[] parts = e.distillation() == null ? new String[]{cls, patches}
                : new String[]{cls, g.op("Expand", new String[]{g.floats(n.distillation(), e.distillation(), 1, 1, d), prefixShape}), patches};
        String x = g.op("Concat", parts, attr("axis", 1L));
        x = g.op("Add", new String[]{x, g.floats(n.position(), e.position(), 1, e.tokens(), d)});
        return new Stem(x, null);
    }
}
