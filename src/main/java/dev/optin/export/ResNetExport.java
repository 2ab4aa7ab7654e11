package dev.optin.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.ImagePreprocessing;
import dev.optin.format.SafetensorsWriter;
import dev.optin.format.resnet.ResNetLoader;
import dev.optin.format.resnet.TorchvisionResNet;
import dev.optin.model.Masks;
import dev.optin.model.resnet.ConvBn;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.model.resnet.ResidualBlock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A (pruned) ResNet as files: {@code model.safetensors} in torchvision's key names (BatchNorm kept
 * apart, so {@code torchvision.models.resnet18} with the recorded widths loads it), {@code config.json}
 * (family, block type, stages, every block's widths; optin reads the folder back),
 * {@code preprocessor_config.json}, and {@code model.onnx} (opset 17, input {@code pixel_values}
 * [batch, C, height, width] with symbolic batch and size, output {@code logits}; BatchNorm folded into
 * each Conv). masks.json lists each group's kept channel indices of the original network.
 */
public final class ResNetExport {
    private ResNetExport() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void writeInto(ResNetWeights pruned, ImagePreprocessing prep, Path dir) throws IOException {
        SafetensorsWriter st = new SafetensorsWriter();
        TorchvisionResNet.tensors(pruned).forEach((k, v) -> {
            long[] s = new long[v[1].length];
            for (int i = 0; i < s.length; i++) s[i] = (long) v[1][i];
            st.add(k, v[0], s);
        });
        st.metadata("format", "pt");
        st.write(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ResNetLoader.ResNetConfig.json(pruned)));
        Files.writeString(dir.resolve(PreprocessorConfig.FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(PreprocessorConfig.of(prep)));
        Files.write(dir.resolve(PrunedModelExport.ONNX_FILE), onnx(pruned, prep).toByteArray());
    }

    /** masks.json: per group its name, total channels and kept channel indices. */
    public static void writeMasks(ResNetWeights original, Masks m, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("family", ResNetLoader.FAMILY);
        ArrayNode groups = root.putArray("groups");
        int g = 0;
        for (int b = 0; b < original.blocks().length; b++)
            for (int i = 0; i < original.blocks()[b].groups(); i++, g++) {
                ObjectNode o = groups.addObject();
                o.put("name", original.name(b) + ".conv" + (i + 1));
                o.put("channels", m.neuron[g].length);
                ArrayNode kept = o.putArray("kept");
                for (int j = 0; j < m.neuron[g].length; j++) if (m.neuron[g][j] != 0f) kept.add(j);
            }
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /**
     * Reads a masks.json {@link #writeMasks} wrote, checked against the network: the family, one
     * group per inner convolution with its name and channel count, kept indices in range, each
     * group keeping at least one channel. Refused in one line naming the file and the group.
     */
    public static Masks readMasks(Path file, ResNetWeights w) throws IOException {
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + ": not a masks.json file (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !ResNetLoader.FAMILY.equals(root.path("family").asText()) || !root.path("groups").isArray())
            throw new IllegalArgumentException(file + ": not the masks.json of a ResNet (expected \"family\": \"" + ResNetLoader.FAMILY + "\" and a \"groups\" list)");
        Masks full = w.ones();
        int[] sizes = w.groupSizes();
        com.fasterxml.jackson.databind.JsonNode groups = root.get("groups");
        if (groups.size() != sizes.length) throw new IllegalArgumentException(file + ": masks for " + groups.size() + " groups, the network has " + sizes.length);
        int g = 0;
        for (int b = 0; b < w.blocks().length; b++)
            for (int i = 0; i < w.blocks()[b].groups(); i++, g++) {
                com.fasterxml.jackson.databind.JsonNode o = groups.get(g);
                String name = w.name(b) + ".conv" + (i + 1);
                if (!name.equals(o.path("name").asText()) || o.path("channels").asInt(-1) != sizes[g] || !o.path("kept").isArray())
                    throw new IllegalArgumentException(file + ": group " + g + " is " + o.path("name") + " with " + o.path("channels") + " channels; the network's is "
                            + name + " with " + sizes[g]);
                float[] gate = new float[sizes[g]];
                for (com.fasterxml.jackson.databind.JsonNode k : o.get("kept")) {
                    int j = k.asInt(-1);
                    if (!k.isIntegralNumber() || j < 0 || j >= sizes[g] || gate[j] != 0f)
                        throw new IllegalArgumentException(file + ": " + name + ": kept channel " + k + " is outside [0, " + sizes[g] + ") or repeated");
                    gate[j] = 1f;
                }
                if (o.get("kept").isEmpty()) throw new IllegalArgumentException(file + ": " + name + " keeps no channel: every block needs at least one");
                full.neuron[g] = gate;
            }
        return full;
    }

    /** The network as an ONNX graph; BatchNorm folded into the convolutions (as {@link ConvBn#folded}). */
    public static ModelProto onnx(ResNetWeights w, ImagePreprocessing prep) throws IOException {
        OnnxGraphBuilder g = new OnnxGraphBuilder("optin-resnet");
        g.graph.addInput(OnnxGraphBuilder.value("pixel_values", TensorProto.DataType.FLOAT, "batch", w.channels(), "height", "width"));
        String x = g.op("Relu", new String[] {conv(g, "conv1", w.stem(), "pixel_values")});
        x = g.op("MaxPool", new String[] {x}, OnnxGraphBuilder.attr("kernel_shape", 3L, 3L), OnnxGraphBuilder.attr("strides", 2L, 2L),
                OnnxGraphBuilder.attr("pads", 1L, 1L, 1L, 1L));
        for (int b = 0; b < w.blocks().length; b++) {
            ResidualBlock blk = w.blocks()[b];
            String t = x;
            for (int i = 0; i < blk.convs().size(); i++) {
                t = conv(g, w.name(b) + ".conv" + (i + 1), blk.convs().get(i), t);
                if (i < blk.convs().size() - 1) t = g.op("Relu", new String[] {t});
            }
            String sc = blk.downsample() == null ? x : conv(g, w.name(b) + ".downsample", blk.downsample(), x);
            x = g.op("Relu", new String[] {g.op("Add", new String[] {t, sc})});
        }
        x = g.op("Flatten", new String[] {g.op("GlobalAveragePool", new String[] {x})}, OnnxGraphBuilder.attr("axis", 1L));
        g.opTo("Gemm", "logits", new String[] {x, g.floats("fc.weight", w.fcWeight(), w.classes(), w.features()), g.floats("fc.bias", w.fcBias(), w.classes())},
                OnnxGraphBuilder.attr("transB", 1L));
        g.graph.addOutput(OnnxGraphBuilder.value("logits", TensorProto.DataType.FLOAT, "batch", w.classes()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("optin.config", JSON.writeValueAsString(ResNetLoader.ResNetConfig.json(w)));
        meta.put("optin.preprocessor", JSON.writeValueAsString(PreprocessorConfig.of(prep)));
        return g.model(meta);
    }

    private static String conv(OnnxGraphBuilder g, String name, ConvBn c, String in) {
        float[] s = c.bn().scale(), wt = c.weight().clone(), b = new float[c.out()];
        int per = c.in() * c.kernel() * c.kernel();
        for (int o = 0; o < c.out(); o++) {
            for (int i = 0; i < per; i++) wt[o * per + i] *= s[o];
            b[o] = c.bn().beta()[o] - c.bn().mean()[o] * s[o];
        }
        long k = c.kernel(), p = c.pad(), st = c.stride();
        return g.op("Conv", new String[] {in, g.floats(name + ".folded.weight", wt, c.out(), c.in(), k, k), g.floats(name + ".folded.bias", b, c.out())},
                OnnxGraphBuilder.attr("kernel_shape", k, k), OnnxGraphBuilder.attr("strides", st, st), OnnxGraphBuilder.attr("pads", p, p, p, p));
    }
}
