package dev.optin.export;

import ai.onnx.proto.OnnxMl.*;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Thin helper over the generated ONNX protobuf classes: nodes with unique names, fp32/int64
 * initializers, and the one place a {@link ModelProto} is assembled (IR version 8, opset 17 for
 * LayerNormalization, producer "optin"), so every graph optin writes runs in stock ONNX Runtime.
 */
final class OnnxGraphBuilder {
    static final int OPSET = 17;
    static final long IR_VERSION = 8;

    final GraphProto.Builder graph = GraphProto.newBuilder();
    private int counter;

    OnnxGraphBuilder(String name) { graph.setName(name); }

    /** The model holding this graph, with metadata entries in the given order. */
    ModelProto model(java.util.Map<String, String> metadata) {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("optin").setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.setGraph(graph).build();
    }

    /** A fresh tensor name with a readable prefix. */
    String fresh(String prefix) { return prefix + "_" + counter++; }

    String floats(String name, float[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addAllDims(box(dims)).setRawData(ByteString.copyFrom(b.array())));
        return name;
    }

    /** A [in][out] initializer holding the transpose of a PyTorch [out][in] weight (for MatMul x·W). */
    String transposed(String name, float[] w, int out, int in) {
        float[] t = new float[w.length];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) t[i * out + o] = w[o * in + i];
        return floats(name, t, in, out);
    }

    String scalar(String name, float v) { return floats(name, new float[]{v}); }

    String int64s(String name, long[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64.getNumber())
                .addAllDims(box(dims)).setRawData(ByteString.copyFrom(b.array())));
        return name;
    }

    /** Adds a node with one output and returns the output name. */
    String op(String type, String[] inputs, AttributeProto... attrs) {
        String out = fresh(type.toLowerCase());
        opTo(type, out, inputs, attrs);
        return out;
    }

    void opTo(String type, String output, String[] inputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(type).setName(output + "_node").addOutput(output);
        for (String i : inputs) n.addInput(i);
        for (AttributeProto a : attrs) n.addAttribute(a);
        graph.addNode(n);
    }

    static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto attr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto attr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    /** A graph input or output with symbolic (String) or fixed (Integer) dimensions. */
    static ValueInfoProto value(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) dim.setDimParam(s); else dim.setDimValue(((Number) d).longValue());
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    private static java.util.List<Long> box(long[] dims) {
        java.util.List<Long> l = new java.util.ArrayList<>(dims.length);
        for (long d : dims) l.add(d);
        return l;
    }
}
