package dev.optin.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.optin.model.EncoderConfig;
import dev.optin.model.LayerWeights;

import java.util.Map;

/**
 * One attention block or one FFN block of a layer (post-LN BERT or pre-LN ViT) as a stand-alone
 * ONNX model, x [batch, sequence, hidden] → y of the same shape, built by the same emitter as the
 * full export ({@link OnnxLayerEmitter}): what a latency table for ONNX Runtime times (every token
 * real, no padding mask).
 */
public final class OnnxBlockModels {
    private OnnxBlockModels() {}

    public static final String INPUT = "x", OUTPUT = "y";

    /** The attention half of the layer with its heads: LN(x + attention(x)) post-LN, x + attention(LN(x)) pre-LN. */
    public static ModelProto attention(EncoderConfig c, LayerWeights w) {
        OnnxGraphBuilder g = start("optin_attention_block", c);
        String y = emitter(g, c).attention(0, w, INPUT, null);
        g.opTo("Identity", OUTPUT, new String[]{y});
        return finish(g, c);
    }

    /** The FFN half of the layer with its neurons: LN(x + FFN(x)) post-LN, x + FFN(LN(x)) pre-LN. */
    public static ModelProto ffn(EncoderConfig c, LayerWeights w) {
        OnnxGraphBuilder g = start("optin_ffn_block", c);
        emitter(g, c).ffn(0, w, INPUT, OUTPUT);
        return finish(g, c);
    }

    private static OnnxLayerEmitter emitter(OnnxGraphBuilder g, EncoderConfig c) {
        return new OnnxLayerEmitter(g, c, c.architecture().preNorm() ? HfVitNames.layersOnly() : new HfTensorNames(c.architecture()));
    }

    private static OnnxGraphBuilder start(String name, EncoderConfig c) {
        OnnxGraphBuilder g = new OnnxGraphBuilder(name);
        g.graph.addInput(OnnxGraphBuilder.value(INPUT, TensorProto.DataType.FLOAT, "batch_size", "sequence_length", c.hidden()));
        return g;
    }

    private static ModelProto finish(OnnxGraphBuilder g, EncoderConfig c) {
        g.graph.addOutput(OnnxGraphBuilder.value(OUTPUT, TensorProto.DataType.FLOAT, "batch_size", "sequence_length", c.hidden()));
        return g.model(Map.of());
    }
}
