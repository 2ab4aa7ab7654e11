package dev.optin.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.optin.model.EncoderConfig;
import dev.optin.model.LayerWeights;

import java.util.Map;

/**
 * One attention block or one FFN block of a post-LN (BERT-style) layer as a stand-alone ONNX
 * model, x [batch, sequence, hidden] → y of the same shape, built by the same emitter as the full
 * export ({@link OnnxLayerEmitter}): what a latency table for ONNX Runtime times (every token
 * real, no padding mask).
 */
public final class OnnxBlockModels {
    private OnnxBlockModels() {}

    public static final String INPUT = "x", OUTPUT = "y";

    /** y = LN(x + attention(x)) with the layer's heads. */
    public static ModelProto attention(EncoderConfig c, LayerWeights w) {
        OnnxGraphBuilder g = start("optin_attention_block", c);
        String y = emitter(g, c).attention(0, w, INPUT, null);
        g.opTo("Identity", OUTPUT, new String[]{y});
        return finish(g, c);
    }

    /** y = LN(x + FFN(x)) with the layer's neurons. */
    public static ModelProto ffn(EncoderConfig c, LayerWeights w) {
        OnnxGraphBuilder g = start("optin_ffn_block", c);
        emitter(g, c).ffn(0, w, INPUT, OUTPUT);
        return finish(g, c);
    }

    private static OnnxLayerEmitter emitter(OnnxGraphBuilder g, EncoderConfig c) {
        return new OnnxLayerEmitter(g, c, new HfTensorNames(c.architecture()));
    }

    private static OnnxGraphBuilder start(String name, EncoderConfig c) {
        if (c.architecture().preNorm())
            throw new IllegalArgumentException("ONNX block models are built for post-LN (BERT-style) layers only, not " + c.architecture());
        OnnxGraphBuilder g = new OnnxGraphBuilder(name);
        g.graph.addInput(OnnxGraphBuilder.value(INPUT, TensorProto.DataType.FLOAT, "batch_size", "sequence_length", c.hidden()));
        return g;
    }

    private static ModelProto finish(OnnxGraphBuilder g, EncoderConfig c) {
        g.graph.addOutput(OnnxGraphBuilder.value(OUTPUT, TensorProto.DataType.FLOAT, "batch_size", "sequence_length", c.hidden()));
        return g.model(Map.of());
    }
}
