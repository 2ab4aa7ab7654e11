package dev.optin.model.resnet;

import java.util.List;

/**
 * One residual block: convs (2: BasicBlock 3×3, 3×3; 3: Bottleneck 1×1, 3×3, 1×1), each followed
 * by BatchNorm and ReLU except the last, whose output is added to the shortcut (the downsample
 * convolution when present, the input otherwise) before the final ReLU. The prunable channels are
 * the outputs of every conv but the last (the block's inner width), so the block's output width
 * and the shortcut never change.
 */
public record ResidualBlock(List<ConvBn> convs, ConvBn downsample) {
    public ResidualBlock {
        convs = List.copyOf(convs);
        if (convs.size() != 2 && convs.size() != 3) throw new IllegalArgumentException("a residual block has 2 or 3 convolutions, got " + convs.size());
        for (int i = 1; i < convs.size(); i++)
            if (convs.get(i).in() != convs.get(i - 1).out())
                throw new IllegalArgumentException("convolution " + (i + 1) + " reads " + convs.get(i).in() + " channels, convolution " + i + " gives " + convs.get(i - 1).out());
        ConvBn last = convs.get(convs.size() - 1);
        int in = convs.get(0).in(), stride = 1;
        for (ConvBn c : convs) stride *= c.stride();
        if (downsample == null && (in != last.out() || stride != 1))
            throw new IllegalArgumentException("a block that changes width (" + in + " -> " + last.out() + ") or stride needs a downsample shortcut");
        if (downsample != null && (downsample.in() != in || downsample.out() != last.out() || downsample.stride() != stride))
            throw new IllegalArgumentException("the downsample shortcut maps " + downsample.in() + " -> " + downsample.out() + " channels with stride " + downsample.stride()
                    + ", the block " + in + " -> " + last.out() + " with stride " + stride);
    }

    public boolean bottleneck() { return convs.size() == 3; }
    public int in() { return convs.get(0).in(); }
    public int out() { return convs.get(convs.size() - 1).out(); }
    public int stride() { int s = 1; for (ConvBn c : convs) s *= c.stride(); return s; }

    /** Prunable groups of this block: the outputs of convs[0 .. size−2]. */
    public int groups() { return convs.size() - 1; }

    public long parameters() {
        long p = downsample == null ? 0 : downsample.parameters();
        for (ConvBn c : convs) p += c.parameters();
        return p;
    }
}
