package dev.optin.export;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.optin.model.ClassifierHead;
import dev.optin.model.Linear;
import dev.optin.model.VitHead;

import static dev.optin.export.OnnxGraphBuilder.attr;

/**
 * The part of the graph after the last layer, output {@code logits} [batch_size, labels].
 * Text: the classifier on token 0, through the pooler/pre-classifier dense layer when there is one.
 * Images: final LayerNorm, classifier on token 0, averaged with the distillation head on token 1
 * when the model has one (as HF's DeiTForImageClassificationWithTeacher); image classifiers always
 * carry a bias (zeros when the model has none), as HF's layout requires.
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

    private static void output(OnnxGraphBuilder g, int labels) {
        g.graph.addOutput(OnnxGraphBuilder.value(LOGITS, TensorProto.DataType.FLOAT, "batch_size", labels));
    }
}
