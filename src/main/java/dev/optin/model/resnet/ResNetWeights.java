package dev.optin.model.resnet;

import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.model.Prediction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A torchvision ResNet: stem (conv 7×7/2 + BatchNorm + ReLU, max pool 3×3/2), residual blocks in
 * stages ({@code stages[s]} blocks in stage s, named {@code layer{s+1}.{i}}), global average pool
 * and a linear classifier {@code fc} [classes][features]. The prunable unit groups are the
 * blocks' inner channels, numbered block by block ({@link #groupSizes()}): BasicBlock one group
 * (conv1's outputs), Bottleneck two (conv1's and conv2's). In a {@link Masks} they are the
 * neuron rows (one per group), and the head rows are empty.
 */
public record ResNetWeights(ConvBn stem, int[] stages, ResidualBlock[] blocks, float[] fcWeight, float[] fcBias, int classes) implements Network {
    public ResNetWeights {
        int total = 0;
        for (int s : stages) { if (s <= 0) throw new IllegalArgumentException("a stage needs at least one block, got " + s); total += s; }
        if (total != blocks.length) throw new IllegalArgumentException("stages " + Arrays.toString(stages) + " hold " + total + " blocks, weights have " + blocks.length);
        int width = stem.out();
        for (int b = 0; b < blocks.length; b++) {
            if (blocks[b].in() != width) throw new IllegalArgumentException(name(b) + " reads " + blocks[b].in() + " channels, the previous layer gives " + width);
            width = blocks[b].out();
        }
        if (classes <= 0 || fcWeight.length != (long) classes * width || fcBias.length != classes)
            throw new IllegalArgumentException("fc has " + fcWeight.length + " weights and " + fcBias.length + " biases, expected " + classes + "x" + width + " and " + classes);
        stages = stages.clone();
    }

    public int channels() { return stem.in(); }
    public int features() { return blocks[blocks.length - 1].out(); }
    public boolean bottleneck() { return blocks[0].bottleneck(); }

    /** torchvision name of block b: layer{stage+1}.{index in stage}. */
    public String name(int b) {
        int s = 0, i = b;
        while (s < stages.length && i >= stages[s]) i -= stages[s++];
        return "layer" + (s + 1) + "." + i;
    }

    /** Inner widths of every group, block by block. */
    public int[] groupSizes() {
        List<Integer> r = new ArrayList<>();
        for (ResidualBlock b : blocks) for (int i = 0; i < b.groups(); i++) r.add(b.convs().get(i).out());
        return r.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The first group of block b. */
    public int firstGroup(int b) { int g = 0; for (int i = 0; i < b; i++) g += blocks[i].groups(); return g; }

    /** The block a group belongs to. */
    public int blockOf(int group) {
        for (int b = 0; b < blocks.length; b++) { if (group < blocks[b].groups()) return b; group -= blocks[b].groups(); }
        throw new IllegalArgumentException("no group " + group);
    }

    /** Masks of 1 for every inner channel (no heads). */
    @Override public Masks ones() {
        int[] g = groupSizes();
        float[][] h = new float[g.length][0], n = new float[g.length][];
        for (int i = 0; i < g.length; i++) { n[i] = new float[g[i]]; Arrays.fill(n[i], 1f); }
        return new Masks(h, n);
    }

    /** Every ConvBn in forward order: stem, then per block its convs and its downsample. */
    public List<ConvBn> convs() {
        List<ConvBn> r = new ArrayList<>();
        r.add(stem);
        for (ResidualBlock b : blocks) { r.addAll(b.convs()); if (b.downsample() != null) r.add(b.downsample()); }
        return r;
    }

    /** The same network with convs() replaced, in the order {@link #convs()} lists them. */
    public ResNetWeights withConvs(List<ConvBn> c) {
        int k = 0;
        ConvBn st = c.get(k++);
        ResidualBlock[] bs = new ResidualBlock[blocks.length];
        for (int b = 0; b < blocks.length; b++) {
            List<ConvBn> cv = new ArrayList<>(c.subList(k, k + blocks[b].convs().size()));
            k += cv.size();
            ConvBn d = blocks[b].downsample() == null ? null : c.get(k++);
            bs[b] = new ResidualBlock(cv, d);
        }
        return new ResNetWeights(st, stages, bs, fcWeight, fcBias, classes);
    }

    /** One class distribution per image. */
    @Override public Prediction prediction() { return new Prediction.PerInput(classes); }

    @Override public boolean takesImages() { return true; }

    @Override public String family() { return "resnet"; }

    /** This network under channel gates (see {@link ResNet}); masks are not copied. */
    @Override public dev.optin.model.ImageClassifier imageClassifier(Masks masks) {
        ResNet net = new ResNet(this);
        return new dev.optin.model.ImageClassifier() {
            @Override public int channels() { return ResNetWeights.this.channels(); }
            @Override public int classes() { return classes; }
            @Override public java.util.List<String> classNames() { return java.util.List.of(); }
            @Override public float[] logits(float[] pixels, int n, int h, int w) { return net.run(pixels, n, h, w, masks, null); }
            @Override public int featureWidth() { return ResNetWeights.this.features(); }
            @Override public float[] features(float[] pixels, int n, int h, int w) { return net.pooled(pixels, n, h, w, masks); }
        };
    }

    /**
     * The physically smaller network: each group keeps the channels whose gate is not 0 (gates
     * other than 0/1 are refused: ResNet masks are selections), the next convolution keeps the
     * matching input channels. Block outputs, shortcuts, stem and fc are unchanged.
     */
    public ResNetWeights pruned(Masks m) {
        int[] sizes = groupSizes();
        if (m.layers() != sizes.length) throw new IllegalArgumentException("masks have " + m.layers() + " groups, the network " + sizes.length);
        ResidualBlock[] bs = new ResidualBlock[blocks.length];
        int g = 0;
        for (int b = 0; b < blocks.length; b++) {
            List<ConvBn> convs = new ArrayList<>(blocks[b].convs());
            for (int i = 0; i < blocks[b].groups(); i++, g++) {
                float[] gate = m.neuron[g];
                if (gate.length != sizes[g]) throw new IllegalArgumentException("masks give group " + g + " (" + name(b) + ".conv" + (i + 1) + ") " + gate.length + " channels, the network " + sizes[g]);
                for (float v : gate) if (v != 0f && v != 1f) throw new IllegalArgumentException("ResNet channel gates must be 0 or 1, got " + v + " in group " + g);
                int[] keep = java.util.stream.IntStream.range(0, gate.length).filter(j -> gate[j] != 0f).toArray();
                if (keep.length == 0) throw new IllegalArgumentException(name(b) + ".conv" + (i + 1) + " keeps no channel: every block needs at least one");
                convs.set(i, convs.get(i).keepOutputs(keep));
                convs.set(i + 1, convs.get(i + 1).keepInputs(keep));
            }
            bs[b] = new ResidualBlock(convs, blocks[b].downsample());
        }
        return new ResNetWeights(stem, stages, bs, fcWeight, fcBias, classes);
    }

    /** Exact multiply-accumulates of one h×w image: every convolution at its spatial size, and fc. */
    public long macs(int h, int w) {
        long t = stem.macs(h, w);
        int[] s = afterStem(h, w);
        int y = s[0], x = s[1];
        for (ResidualBlock b : blocks) {
            int by = y, bx = x;
            for (ConvBn c : b.convs()) { t += c.macs(by, bx); by = c.outSize(by); bx = c.outSize(bx); }
            if (b.downsample() != null) t += b.downsample().macs(y, x);
            y = by; x = bx;
        }
        return t + (long) classes * features();
    }

    @Override public long parameters() {
        long p = stem.parameters() + fcWeight.length + fcBias.length;
        for (ResidualBlock b : blocks) p += b.parameters();
        return p;
    }

    /** Spatial size (h, w) after the stem and max pool, for an h×w input. */
    public int[] afterStem(int h, int w) {
        return new int[] {pool(stem.outSize(h)), pool(stem.outSize(w))};
    }

    static int pool(int s) { return (s + 2 - 3) / 2 + 1; }
}
