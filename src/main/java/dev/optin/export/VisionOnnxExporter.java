package dev.optin.export;

import ai.onnx.proto.OnnxMl.*;
import dev.optin.model.*;

import static dev.optin.export.OnnxExporter.*;
import static dev.optin.export.OnnxGraphBuilder.attr;

/**
 * A vision transformer (ViT, DeiT, timm or lucidrains weights; per-layer head counts and FFN
 * widths may differ, also 0) as a standard ONNX graph, opset 17.
 *
 * <p>Input {@code pixel_values} float [batch_size, channels, height, width] (already normalised,
 * as Hugging Face's image processor gives them); output {@code logits} [batch_size, labels].
 * Graph: patch embedding as a Conv with kernel = stride = patch size, CLS (and DeiT's
 * distillation) token in front, position embeddings, pre-LN blocks
 * ({@code h = x + Attn(LN1(x))}, {@code out = h + FFN(LN2(h))}), final LayerNorm, classifier on
 * token 0, averaged with the distillation head on token 1 when the model has one (as HF's
 * DeiTForImageClassificationWithTeacher). A layer without heads adds only the attention output
 * bias, one without neurons only the second FFN bias, so the residual stream passes through.
 *
 * <p>OPTIN's token merging is not part of the graph: which tokens merge depends on the
 * similarities of the data (a per-image argmax/sort and gathers, with size-weighted averages), and
 * it is engine-only ({@link TokenReducedForward}); the exported graph is the head/neuron-pruned model.
 */
public final class VisionOnnxExporter {
    private VisionOnnxExporter() {}

    public static final String INPUT = "pixel_values";

    public static ModelProto build(EncoderWeights w) {
        EncoderConfig c = w.config();
        VitWeights vw = w.vision();
        if (vw == null) throw new IllegalArgumentException("not a vision transformer");
        if (w.head() == null) throw new IllegalArgumentException("the vision exporter needs a classifier head");
        PatchEmbeddings e = vw.embeddings();
        int d = c.hidden(), dh = c.headSize(), p = e.patchSize();
        TensorProto.DataType f32 = TensorProto.DataType.FLOAT;
        OnnxGraphBuilder g = new OnnxGraphBuilder();
        g.graph.setName("optin_vision_transformer");
        g.graph.addInput(OnnxGraphBuilder.value(INPUT, f32, "batch_size", e.channels(), e.imageHeight(), e.imageWidth()));

        // ---- patches: Conv [B,D,gh,gw] -> [B,D,P] -> [B,P,D]
        Linear pw = e.patch();
        String convW = g.floats("embeddings.patch.weight", pw.weight, d, e.channels(), p, p);
        String[] convIn = pw.bias == null ? new String[]{INPUT, convW}
                : new String[]{INPUT, convW, g.floats("embeddings.patch.bias", pw.bias, d)};
        String conv = g.op("Conv", convIn, attr("kernel_shape", (long) p, (long) p), attr("strides", (long) p, (long) p));
        String flat = g.op("Reshape", new String[]{conv, g.int64s("const.patch_shape", new long[]{0, d, -1}, 3)});
        String patches = g.op("Transpose", new String[]{flat}, attr("perm", 0L, 2L, 1L));

        // ---- prefix tokens broadcast to the batch: Expand([1,1,D], [B,1,D])
        String shape = g.op("Shape", new String[]{INPUT});
        String batch = g.op("Gather", new String[]{shape, g.int64s("const.zero_1", new long[]{0}, 1)}, attr("axis", 0L));
        String prefixShape = g.op("Concat", new String[]{batch, g.int64s("const.one_d", new long[]{1, d}, 2)}, attr("axis", 0L));
        String cls = g.op("Expand", new String[]{g.floats("embeddings.cls", e.cls(), 1, 1, d), prefixShape});
        String[] parts = e.distillation() == null ? new String[]{cls, patches}
                : new String[]{cls, g.op("Expand", new String[]{g.floats("embeddings.distillation", e.distillation(), 1, 1, d), prefixShape}), patches};
        String x = g.op("Concat", parts, attr("axis", 1L));
        x = g.op("Add", new String[]{x, g.floats("embeddings.position", e.position(), 1, e.tokens(), d)});

        String scale = g.scalar("const.attention_scale", (float) (1.0 / Math.sqrt(dh)));
        float eps = c.layerNormEps();
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            String pre = "layer." + l + ".";
            int H = lw.heads(), A = H * dh;
            String h;
            if (H > 0) {
                String a = layerNorm(g, x, lw.attnNorm(), pre + "norm1", eps, null);
                String heads4 = g.int64s(pre + "heads_shape", new long[]{0, 0, H, dh}, 4);
                String q = splitHeads(g, linear3(g, a, lw.query(), pre + "query"), heads4, 0, 2, 1, 3);
                String k = splitHeads(g, linear3(g, a, lw.key(), pre + "key"), heads4, 0, 2, 3, 1);
                String v = splitHeads(g, linear3(g, a, lw.value(), pre + "value"), heads4, 0, 2, 1, 3);
                String scores = g.op("Mul", new String[]{g.op("MatMul", new String[]{q, k}), scale});
                String probs = g.op("Softmax", new String[]{scores}, attr("axis", -1L));
                String ctx = g.op("Transpose", new String[]{g.op("MatMul", new String[]{probs, v})}, attr("perm", 0L, 2L, 1L, 3L));
                ctx = g.op("Reshape", new String[]{ctx, g.int64s(pre + "merge_shape", new long[]{0, 0, A}, 3)});
                h = g.op("Add", new String[]{x, linear3(g, ctx, lw.attnOut(), pre + "attn_out")});
            } else {
                h = lw.attnOut().bias == null ? x : g.op("Add", new String[]{x, g.floats(pre + "attn_out.bias", lw.attnOut().bias, d)});
            }
            if (lw.intermediate() > 0) {
                String b = layerNorm(g, h, lw.ffnNorm(), pre + "norm2", eps, null);
                String act = activation(g, linear3(g, b, lw.ffnIn(), pre + "ffn_in"), c.activation());
                x = g.op("Add", new String[]{h, linear3(g, act, lw.ffnOut(), pre + "ffn_out")});
            } else {
                x = lw.ffnOut().bias == null ? h : g.op("Add", new String[]{h, g.floats(pre + "ffn_out.bias", lw.ffnOut().bias, d)});
            }
        }
        x = layerNorm(g, x, vw.finalNorm(), "final_norm", eps, null);

        String tok0 = g.op("Gather", new String[]{x, g.int64s("const.token0", new long[]{0})}, attr("axis", 1L));
        if (vw.distillationHead() == null) {
            gemm(g, tok0, w.head().out(), "head.classifier", "logits");
        } else {
            String tok1 = g.op("Gather", new String[]{x, g.int64s("const.token1", new long[]{1})}, attr("axis", 1L));
            String sum = g.op("Add", new String[]{gemm(g, tok0, w.head().out(), "head.classifier", null),
                    gemm(g, tok1, vw.distillationHead(), "head.distillation", null)});
            g.opTo("Mul", "logits", new String[]{sum, g.scalar("const.half_logits", 0.5f)});
        }
        g.graph.addOutput(OnnxGraphBuilder.value("logits", f32, "batch_size", w.head().out().out));
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("optin").setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g.graph).build();
    }
}
