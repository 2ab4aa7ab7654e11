package dev.optin.format.resnet;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.FormatException;
import dev.optin.format.OnnxModelLoader;
import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.StateTensor;
import dev.optin.model.resnet.BatchNorm;
import dev.optin.model.resnet.ConvBn;
import dev.optin.model.resnet.FoldedBatchNorm;
import dev.optin.model.resnet.ResNetWeights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A torchvision ResNet from an ONNX export (torch.onnx, any opset the operators below keep): the
 * graph is walked from its image input and matched to the ResNet's structure: stem
 * {@code Conv [BatchNormalization] Relu MaxPool(3, 2, 1)}; blocks whose main path is two 3×3
 * convolutions (BasicBlock) or 1×1, 3×3, 1×1 (Bottleneck), each {@code Conv [BatchNormalization]}
 * with {@code Relu} between, joined to the block input or a {@code Conv [BatchNormalization]}
 * shortcut by {@code Add} and a {@code Relu}; then {@code GlobalAveragePool}, {@code Flatten} (or
 * {@code Reshape}) and {@code Gemm}. A new stage begins at every block with a shortcut
 * convolution. The weights are renamed to torchvision's keys and read by
 * {@link TorchvisionResNet#read}, so the same shape checks apply; strides, paddings, groups and
 * dilations must be torchvision's. A convolution with a bias and no BatchNormalization (torch.onnx
 * folds BatchNorm in eval mode) gets {@link FoldedBatchNorm#identity}. Anything else is refused in
 * one line naming the node. Allocations are bounded by the initializers' bytes in the file
 * ({@link OnnxModelLoader#toFloats}).
 */
public final class OnnxResNet {
    private OnnxResNet() {}

    /** True when the graph has a convolution and a global average pool: a CNN classifier, read as a ResNet or refused. */
    public static boolean isConvolutional(Path onnx) {
        GraphProto g = OnnxModelLoader.parse(onnx).getGraph();
        boolean conv = false, gap = false;
        for (NodeProto n : g.getNodeList()) {
            conv |= n.getOpType().equals("Conv");
            gap |= n.getOpType().equals("GlobalAveragePool");
        }
        return conv && gap;
    }

    public static ResNetLoader.Loaded read(Path onnx, CheckpointOptions options) {
        ResNetWeights w = TorchvisionResNet.read(new Walker(OnnxModelLoader.parse(onnx).getGraph(), onnx).stateDict());
        return new ResNetLoader.Loaded(w, ResNetLoader.preprocessing(w.channels(), options));
    }

    /** Follows the graph from the image input and names every weight as torchvision does. */
    private static final class Walker {
        private final Path file;
        private final Map<String, TensorProto> init = new HashMap<>();
        private final Map<String, List<NodeProto>> consumers = new HashMap<>();
        private final Map<String, StateTensor> sd = new LinkedHashMap<>();
        private final Set<String> graphOutputs = new HashSet<>();
        private final String input;

        Walker(GraphProto g, Path file) {
            this.file = file;
            for (TensorProto t : g.getInitializerList()) init.put(t.getName(), t);
            for (NodeProto n : g.getNodeList()) {
                if (n.getOpType().equals("Constant"))
                    for (AttributeProto a : n.getAttributeList()) if (a.getName().equals("value")) init.put(n.getOutput(0), a.getT());
                for (String i : n.getInputList()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
            for (ValueInfoProto v : g.getOutputList()) graphOutputs.add(v.getName());
            List<String> inputs = g.getInputList().stream().map(ValueInfoProto::getName).filter(n -> !init.containsKey(n)).toList();
            if (inputs.size() != 1) throw error("a ResNet has one image input; this graph has " + inputs);
            input = inputs.get(0);
        }

        StateDict stateDict() {
            // stem
            Step stem = convBn(only(input, "the stem convolution", "Conv"), "conv1", "bn1", 2);
            String x = only(stem.out(), "the stem's Relu", "Relu").getOutput(0);
            NodeProto pool = only(x, "the stem's MaxPool", "MaxPool");
            if (!ints(pool, "kernel_shape").equals(List.of(3L, 3L)) || !ints(pool, "strides").equals(List.of(2L, 2L))
                    || !pads(pool).equals(List.of(1L, 1L, 1L, 1L)) || intAttr(pool, "ceil_mode", 0) != 0)
                throw error("node " + pool.getName() + ": the stem's MaxPool is not torchvision's (kernel 3, stride 2, padding 1)");
            x = pool.getOutput(0);
            int stage = 0, index = 0;
            Boolean bottleneck = null;
            while (true) {
                List<NodeProto> next = consumers.getOrDefault(x, List.of());
                if (next.size() == 1 && next.get(0).getOpType().equals("GlobalAveragePool")) break;
                List<NodeProto> convs = next.stream().filter(n -> n.getOpType().equals("Conv")).toList();
                List<NodeProto> adds = next.stream().filter(n -> n.getOpType().equals("Add")).toList();
                if (convs.isEmpty() || convs.size() > 2 || adds.size() > 1 || convs.size() + adds.size() != next.size()
                        || (convs.size() == 2) == (adds.size() == 1))
                    throw error("tensor " + x + " feeds " + describe(next) + "; a residual block starts with its convolutions and a shortcut"
                            + " (the block input into Add, or a shortcut Conv)");
                // the main path has a Relu after its first convolution; the shortcut goes straight to Add
                NodeProto mainConv = null, downConv = null;
                for (NodeProto c : convs) {
                    if (leadsToRelu(c)) mainConv = c; else downConv = c;
                }
                if (mainConv == null || (convs.size() == 2 && downConv == null))
                    throw error("tensor " + x + " feeds " + describe(next) + ": no residual block's main path (Conv, Relu, Conv) found");
                boolean isBottleneckBlock = countMainConvs(mainConv) == 3;
                if (bottleneck != null && bottleneck != isBottleneckBlock)
                    throw error("node " + mainConv.getName() + ": BasicBlocks and Bottlenecks mixed in one network");
                bottleneck = isBottleneckBlock;
                if (stage == 0 || downConv != null) { stage++; index = 0; }
                int stride = stage > 1 && index == 0 ? 2 : 1;
                String p = "layer" + stage + "." + index + ".";
                int n = bottleneck ? 3 : 2;
                NodeProto c = mainConv;
                String mainOut = null;
                for (int j = 1; j <= n; j++) {
                    int st = (bottleneck ? j == 2 : j == 1) ? stride : 1;
                    Step s = convBn(c, p + "conv" + j, p + "bn" + j, st);
                    if (j < n) c = only(only(s.out(), "the Relu after " + p + "conv" + j, "Relu").getOutput(0), p + "conv" + (j + 1), "Conv");
                    else mainOut = s.out();
                }
                String shortcut = x;
                if (downConv != null) shortcut = convBn(downConv, p + "downsample.0", p + "downsample.1", stride).out();
                NodeProto add = only(mainOut, "the Add of " + p.substring(0, p.length() - 1), "Add");
                if (!Set.copyOf(add.getInputList()).equals(Set.of(mainOut, shortcut)) || add.getInputCount() != 2)
                    throw error("node " + add.getName() + " adds " + add.getInputList() + ", expected the main path " + mainOut + " and the shortcut " + shortcut);
                x = only(add.getOutput(0), "the Relu after the Add of " + p.substring(0, p.length() - 1), "Relu").getOutput(0);
                index++;
            }
            if (stage == 0) throw error("no residual block between the stem and GlobalAveragePool");
            NodeProto gap = consumers.get(x).get(0);
            NodeProto flat = only(gap.getOutput(0), "Flatten after GlobalAveragePool", "Flatten", "Reshape");
            NodeProto gemm = only(flat.getOutput(0), "the classifier (Gemm)", "Gemm");
            if (!graphOutputs.contains(gemm.getOutput(0)))
                throw error("node " + gemm.getName() + ": the classifier's output " + gemm.getOutput(0) + " is not the graph's output " + graphOutputs);
            if (floatAttr(gemm, "alpha", 1f) != 1f || floatAttr(gemm, "beta", 1f) != 1f || intAttr(gemm, "transA", 0) != 0 || gemm.getInputCount() != 3)
                throw error("node " + gemm.getName() + ": the classifier Gemm must be x·Wᵀ + b (alpha 1, beta 1, transA 0, with a bias)");
            StateTensor fc = tensor(gemm.getInput(1), gemm, 2);
            if (intAttr(gemm, "transB", 0) == 0) fc = transpose(fc);
            sd.put("fc.weight", fc);
            sd.put("fc.bias", tensor(gemm.getInput(2), gemm, 1));
            return new StateDict(file, sd);
        }

        /** A convolution and its BatchNormalization (or folded bias), stored under torchvision's names; the step's output tensor. */
        private Step convBn(NodeProto conv, String convName, String bnName, int stride) {
            StateTensor w = tensor(conv.getInput(1), conv, 4);
            int k = w.dim(2), out = w.dim(0);
            List<Long> dil = ints(conv, "dilations");
            if (intAttr(conv, "group", 1) != 1 || !(dil.isEmpty() || dil.stream().allMatch(d -> d == 1)))
                throw error("node " + conv.getName() + " (" + convName + "): grouped or dilated convolution; torchvision's ResNets have neither");
            if (!ints(conv, "strides").equals(List.of((long) stride, (long) stride)))
                throw error("node " + conv.getName() + " (" + convName + "): strides " + ints(conv, "strides") + ", expected [" + stride + ", " + stride + "] as in torchvision's ResNet");
            long pad = k / 2;
            if (!pads(conv).equals(List.of(pad, pad, pad, pad)))
                throw error("node " + conv.getName() + " (" + convName + "): pads " + pads(conv) + ", expected " + pad + " on every side for a " + k + "x" + k + " kernel");
            sd.put(convName + ".weight", w);
            float[] bias = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty() ? tensor(conv.getInput(2), conv, 1).values() : new float[out];
            if (bias.length != out) throw error("node " + conv.getName() + ": bias of " + bias.length + " values for " + out + " output channels");
            List<NodeProto> next = consumers.getOrDefault(conv.getOutput(0), List.of());
            BatchNorm bn;
            String outTensor = conv.getOutput(0);
            if (next.size() == 1 && next.get(0).getOpType().equals("BatchNormalization")) {
                NodeProto b = next.get(0);
                float eps = floatAttr(b, "epsilon", 1e-5f);
                if (Math.abs(eps - TorchvisionResNet.EPS) > 1e-9)
                    throw error("node " + b.getName() + ": epsilon " + eps + "; torchvision's ResNets use " + TorchvisionResNet.EPS);
                float[][] v = new float[4][];
                for (int i = 0; i < 4; i++) {
                    v[i] = tensor(b.getInput(i + 1), b, 1).values();
                    if (v[i].length != out) throw error("node " + b.getName() + ": input " + b.getInput(i + 1) + " has " + v[i].length + " values for " + out + " channels");
                }
                for (int c = 0; c < out; c++) v[2][c] -= bias[c];   // a convolution bias before BatchNorm shifts its mean
                bn = new BatchNorm(v[0], v[1], v[2], v[3], eps);
                outTensor = b.getOutput(0);
            } else bn = FoldedBatchNorm.identity(bias, TorchvisionResNet.EPS);
            String[] keys = {"weight", "bias", "running_mean", "running_var"};
            float[][] vals = {bn.gamma(), bn.beta(), bn.mean(), bn.var()};
            for (int i = 0; i < 4; i++) sd.put(bnName + "." + keys[i], new StateTensor(new int[] {out}, vals[i]));
            return new Step(outTensor);
        }

        private record Step(String out) {}

        /** Whether the convolution (and its BatchNormalization) is followed by a Relu: a main path, not a shortcut. */
        private boolean leadsToRelu(NodeProto conv) {
            String t = skipBn(conv.getOutput(0));
            List<NodeProto> next = consumers.getOrDefault(t, List.of());
            return next.size() == 1 && next.get(0).getOpType().equals("Relu");
        }

        private String skipBn(String t) {
            List<NodeProto> next = consumers.getOrDefault(t, List.of());
            return next.size() == 1 && next.get(0).getOpType().equals("BatchNormalization") ? next.get(0).getOutput(0) : t;
        }

        /** Convolutions on the main path from conv to the block's Add (2: BasicBlock, 3: Bottleneck). */
        private int countMainConvs(NodeProto conv) {
            int count = 1;
            String t = skipBn(conv.getOutput(0));
            while (count < 4) {
                List<NodeProto> next = consumers.getOrDefault(t, List.of());
                if (next.size() != 1 || !next.get(0).getOpType().equals("Relu")) break;
                List<NodeProto> after = consumers.getOrDefault(next.get(0).getOutput(0), List.of());
                if (after.size() != 1 || !after.get(0).getOpType().equals("Conv")) break;
                count++;
                t = skipBn(after.get(0).getOutput(0));
            }
            if (count != 2 && count != 3) throw error("node " + conv.getName() + ": a block's main path has " + count + " convolution(s); BasicBlock has 2, Bottleneck 3");
            return count;
        }

        /** The one node reading tensor t, of one of the expected types. */
        private NodeProto only(String t, String what, String... types) {
            List<NodeProto> next = consumers.getOrDefault(t, List.of());
            if (next.size() != 1 || !List.of(types).contains(next.get(0).getOpType()))
                throw error("expected " + what + " (" + String.join(" or ", types) + ") reading " + t + ", found " + describe(next)
                        + " — not a torchvision ResNet graph");
            return next.get(0);
        }

        private StateTensor tensor(String name, NodeProto node, int rank) {
            TensorProto t = init.get(name);
            if (t == null) throw error("node " + node.getName() + ": input " + name + " is not a constant weight");
            if (t.getDimsCount() != rank) throw error("node " + node.getName() + ": weight " + name + " has shape " + t.getDimsList() + ", expected rank " + rank);
            float[] v = OnnxModelLoader.toFloats(t, file.toString(), name, true);
            int[] shape = new int[rank];
            for (int i = 0; i < rank; i++) shape[i] = (int) t.getDims(i);
            return new StateTensor(shape, v);
        }

        private static StateTensor transpose(StateTensor t) {
            int r = t.dim(0), c = t.dim(1);
            float[] v = new float[r * c];
            for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) v[j * r + i] = t.values()[i * c + j];
            return new StateTensor(new int[] {c, r}, v);
        }

        private static String describe(List<NodeProto> nodes) {
            return nodes.isEmpty() ? "nothing" : nodes.stream().map(n -> n.getOpType() + " " + n.getName()).toList().toString();
        }

        private static List<Long> ints(NodeProto n, String name) {
            for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getIntsList();
            return List.of();
        }

        private static List<Long> pads(NodeProto n) {
            List<Long> p = ints(n, "pads");
            return p.isEmpty() ? List.of(0L, 0L, 0L, 0L) : p;
        }

        private static long intAttr(NodeProto n, String name, long dflt) {
            for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
            return dflt;
        }

        private static float floatAttr(NodeProto n, String name, float dflt) {
            for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getF();
            return dflt;
        }

        private FormatException error(String msg) { return new FormatException(file + ": " + msg); }
    }
}
