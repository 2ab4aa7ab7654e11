package dev.optin.format.resnet;

import dev.optin.format.FormatException;
import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.StateTensor;
import dev.optin.model.resnet.BatchNorm;
import dev.optin.model.resnet.ConvBn;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.model.resnet.ResidualBlock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * torchvision's ResNet key names: {@code conv1/bn1} (stem), {@code layer{s}.{i}.conv{j}/bn{j}}
 * (j = 1, 2 for BasicBlock; 1, 2, 3 for Bottleneck), {@code layer{s}.{i}.downsample.0/1}, {@code fc}.
 * Strides are torchvision's: stem 2 (pad = kernel/2), the first block of stages 2.. stride 2, on
 * BasicBlock's conv1 and Bottleneck's conv2 (v1.5), and on the downsample. Every key of the file
 * must be used (an extra key is refused by name), every expected key must be there, and every
 * shape must fit its neighbours; errors name the file and the key.
 */
public final class TorchvisionResNet {
    /** BatchNorm epsilon of torchvision's ResNet. */
    public static final float EPS = 1e-5f;
    private static final String[] BN = {"weight", "bias", "running_mean", "running_var"};

    private TorchvisionResNet() {}

    /** True when the keys look like a torchvision ResNet (stem, layer1.0, fc). */
    public static boolean matches(StateDict sd) {
        return sd.has("conv1.weight") && sd.has("bn1.running_var") && sd.has("layer1.0.conv1.weight") && sd.has("fc.weight");
    }

    public static ResNetWeights read(StateDict sd) {
        if (!matches(sd)) throw new FormatException(sd.file() + ": not a torchvision ResNet state dict (expected conv1.weight, bn1.*, layer1.0.conv1.weight, fc.weight); first keys: "
                + sd.keys().stream().limit(6).toList());
        Set<String> used = new LinkedHashSet<>();
        Reader r = new Reader(sd, used);
        boolean bottleneck = sd.has("layer1.0.conv3.weight");
        ConvBn stem = r.convBn("conv1", "bn1", -1, 2, -1);
        List<Integer> stages = new ArrayList<>();
        List<ResidualBlock> blocks = new ArrayList<>();
        int width = stem.out();
        for (int s = 1; sd.has("layer" + s + ".0.conv1.weight"); s++) {
            int count = 0;
            for (int i = 0; sd.has("layer" + s + "." + i + ".conv1.weight"); i++, count++) {
                String p = "layer" + s + "." + i + ".";
                int stride = s > 1 && i == 0 ? 2 : 1;
                List<ConvBn> convs = new ArrayList<>();
                int n = bottleneck ? 3 : 2, in = width;
                for (int j = 1; j <= n; j++) {
                    int k = bottleneck ? (j == 2 ? 3 : 1) : 3;
                    int st = (bottleneck ? j == 2 : j == 1) ? stride : 1;
                    ConvBn c = r.convBn(p + "conv" + j, p + "bn" + j, in, st, k);
                    convs.add(c);
                    in = c.out();
                }
                if (!bottleneck && sd.has(p + "conv3.weight")) throw new FormatException(sd.file() + ": tensor '" + p + "conv3.weight' in a BasicBlock network (layer1.0 has no conv3)");
                ConvBn down = sd.has(p + "downsample.0.weight") ? r.convBn(p + "downsample.0", p + "downsample.1", width, stride, 1) : null;
                try {
                    blocks.add(new ResidualBlock(convs, down));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(sd.file() + ": block " + p.substring(0, p.length() - 1) + ": " + e.getMessage(), e);
                }
                width = in;
            }
            stages.add(count);
        }
        StateTensor fc = r.get("fc.weight", 2);
        if (fc.dim(1) != width) throw new FormatException(sd.file() + ": tensor 'fc.weight' has shape " + fc.shapeString() + ", expected [classes, " + width + "]");
        int classes = fc.dim(0);
        float[] fcBias = r.values("fc.bias", classes);
        for (String k : sd.keys())
            if (!used.contains(k) && !k.endsWith(".num_batches_tracked"))
                throw new FormatException(sd.file() + ": unexpected tensor '" + k + "' for a torchvision ResNet (" + (bottleneck ? "Bottleneck" : "BasicBlock") + ", stages " + stages + ")");
        try {
            return new ResNetWeights(stem, stages.stream().mapToInt(Integer::intValue).toArray(), blocks.toArray(new ResidualBlock[0]), fc.values(), fcBias, classes);
        } catch (IllegalArgumentException e) {
            throw new FormatException(sd.file() + ": " + e.getMessage(), e);
        }
    }

    /** Tensor names and values of a ResNet in torchvision's layout (what {@link #read} reads back), num_batches_tracked omitted. */
    public static Map<String, float[][]> tensors(ResNetWeights w) {
        Map<String, float[][]> r = new LinkedHashMap<>();
        put(r, "conv1", "bn1", w.stem());
        for (int b = 0; b < w.blocks().length; b++) {
            String p = w.name(b) + ".";
            ResidualBlock blk = w.blocks()[b];
            for (int j = 0; j < blk.convs().size(); j++) put(r, p + "conv" + (j + 1), p + "bn" + (j + 1), blk.convs().get(j));
            if (blk.downsample() != null) put(r, p + "downsample.0", p + "downsample.1", blk.downsample());
        }
        r.put("fc.weight", new float[][] {w.fcWeight(), {w.classes(), w.features()}});
        r.put("fc.bias", new float[][] {w.fcBias(), {w.classes()}});
        return r;
    }

    private static void put(Map<String, float[][]> r, String conv, String bn, ConvBn c) {
        r.put(conv + ".weight", new float[][] {c.weight(), {c.out(), c.in(), c.kernel(), c.kernel()}});
        BatchNorm n = c.bn();
        float[][] v = {n.gamma(), n.beta(), n.mean(), n.var()};
        for (int k = 0; k < 4; k++) r.put(bn + "." + BN[k], new float[][] {v[k], {c.out()}});
    }

    /** Lookups that record which keys were used and fail naming the key. */
    private record Reader(StateDict sd, Set<String> used) {
        StateTensor get(String key, int rank) {
            if (!sd.has(key)) throw new FormatException(sd.file() + ": tensor '" + key + "' is missing (torchvision ResNet layout)");
            used.add(key);
            try {
                return sd.get(key, rank);
            } catch (IllegalArgumentException e) {
                throw new FormatException(e.getMessage(), e);
            }
        }

        float[] values(String key, int n) {
            StateTensor t = get(key, 1);
            if (t.dim(0) != n) throw new FormatException(sd.file() + ": tensor '" + key + "' has shape " + t.shapeString() + ", expected [" + n + "]");
            return t.values();
        }

        /** A conv reading `in` channels (-1: any) with a k×k kernel (-1: any square kernel) and its BatchNorm. */
        ConvBn convBn(String conv, String bn, int in, int stride, int k) {
            StateTensor w = get(conv + ".weight", 4);
            int kernel = w.dim(2);
            if (w.dim(3) != kernel || (k > 0 && kernel != k) || (in > 0 && w.dim(1) != in))
                throw new FormatException(sd.file() + ": tensor '" + conv + ".weight' has shape " + w.shapeString() + ", expected ["
                        + "out, " + (in > 0 ? in : "in") + ", " + (k > 0 ? k : "k") + ", " + (k > 0 ? k : "k") + "]");
            int out = w.dim(0);
            float[][] v = new float[4][];
            for (int i = 0; i < 4; i++) v[i] = values(bn + "." + BN[i], out);
            for (int c = 0; c < out; c++)
                if (v[3][c] < 0) throw new FormatException(sd.file() + ": tensor '" + bn + ".running_var' holds a negative variance " + v[3][c] + " at index " + c);
            if (sd.has(bn + ".num_batches_tracked")) used.add(bn + ".num_batches_tracked");
            return new ConvBn(w.values(), out, w.dim(1), kernel, stride, kernel / 2, new BatchNorm(v[0], v[1], v[2], v[3], EPS));
        }
    }
}
