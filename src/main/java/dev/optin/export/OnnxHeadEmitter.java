package dev.optin.export;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.optin.model.ClassifierHead;
import dev.optin.model.Linear;
import dev.optin.model.Prediction;
import dev.optin.model.SegmentationHead;
import dev.optin.model.VitHead;

import static dev.optin.export.OnnxGraphBuilder.attr;

/**
 * The part of the graph after the last layer, output {@code logits} [batch_size, labels].
 * Text: the classifier on token 0, through the pooler/pre-classifier dense layer when there is one.
 * Images: final LayerNorm, classifier on token 0, averaged with the distillation head on token 1
 * when the model has one (as HF's DeiTForImageClassificationWithTeacher); image classifiers always
 * carry a bias (zeros when the model has none), as HF's layout requires. Segmenters: {@code logits}
 * [batch_size, classes, grid_h, grid_w] (see {@link #segmentation}).
 */
final class OnnxHeadEmitter {
    private OnnxHeadEmitter() {}

    static final String LOGITS = "logits";

    static void pooled(OnnxGraphBuilder g, OnnxLayerEmitter layers, String x, ClassifierHead head, HfTensorNames n) {
        String cls = g.op("Gather", new String[]{x, g.int64s("const.zero_i64", new long[]{0})}, attr("axis", 1L));
        if (head.dense() != null) {
            cls = layers.gemm(cls, head.dense(), n.headDense(), head.dense().bias, null);
            cls = g.op(head.activation() == ClassifierHead.DenseActivation.TANH ? "Tanh" : "Relu", new String[]{cls});
        }
        layers.gemm(cls, head.out(), n.headOut(), head.out().bias, LOGITS);
        output(g, head.labels());
    }

    static void vit(OnnxGraphBuilder g, OnnxLayerEmitter layers, String x, VitHead head, HfVitNames n) {
        x = layers.layerNorm(x, head.finalNorm(), n.finalNorm(), null);
        String tok0 = g.op("Gather", new String[]{x, g.int64s("const.token0", new long[]{0})}, attr("axis", 1L));
        Linear cls = head.classifier(), dist = head.distillation();
        if (dist == null) {
            layers.gemm(tok0, cls, n.classifier(), HfCheckpointWriter.biasOrZeros(cls), LOGITS);
        } else {
            String tok1 = g.op("Gather", new String[]{x, g.int64s("const.token1", new long[]{1})}, attr("axis", 1L));
            String sum = g.op("Add", new String[]{layers.gemm(tok0, cls, n.classifier(), HfCheckpointWriter.biasOrZeros(cls), null),
                    layers.gemm(tok1, dist, n.distillationClassifier(), HfCheckpointWriter.biasOrZeros(dist), null)});
            g.opTo("Mul", LOGITS, new String[]{sum, g.scalar("const.half_logits", 0.5f)});
        }
        output(g, head.labels());
    }

    /**
     * Segmenter: final LayerNorm, the patch tokens (after the class token), the linear decoder on
     * each (Gemm over [batch·patches, hidden]), then {@code logits} [batch_size, classes, grid_h, grid_w].
     */
    static void segmentation(OnnxGraphBuilder g, OnnxLayerEmitter layers, String x, SegmentationHead head, HfVitNames n) {
        x = layers.layerNorm(x, head.finalNorm(), n.finalNorm(), null);
        Prediction.PerPixel shape = head.shape();
        int d = head.classifier().in, C = head.labels(), gh = shape.gridHeight(), gw = shape.gridWidth();
        long first = head.firstPatch(), last = first + shape.positions();
        String patches = g.op("Slice", new String[]{x, g.int64s("const.patch_start", new long[]{first}, 1),
                g.int64s("const.patch_end", new long[]{last}, 1), g.int64s("const.patch_axis", new long[]{1}, 1)});
        String rows = g.op("Reshape", new String[]{patches, g.int64s("const.patch_rows", new long[]{-1, d}, 2)});
        String z = layers.gemm(rows, head.classifier(), n.decoder(), HfCheckpointWriter.biasOrZeros(head.classifier()), null);
        String grid = g.op("Reshape", new String[]{z, g.int64s("const.logit_grid", new long[]{-1, gh, gw, C}, 4)});
        g.opTo("Transpose", LOGITS, new String[]{grid}, attr("perm", 0L, 3L, 1L, 2L));
        g.graph.addOutput(OnnxGraphBuilder.value(LOGITS, TensorProto.DataType.FLOAT, "batch_size", C, gh, gw));
    }

    private static void output(OnnxGraphBuilder g, int labels) {
        g.graph.addOutput(OnnxGraphBuilder.value(LOGITS, TensorProto.DataType.FLOAT, "batch_size", labels));
    }
}
