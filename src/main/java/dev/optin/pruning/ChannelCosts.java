package dev.optin.pruning;

import dev.optin.model.Masks;
import dev.optin.model.resnet.ConvBn;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.model.resnet.ResidualBlock;

/**
 * The MAC cost of a ResNet's inner channels for h×w images, as {@link UnitCosts.Linear} (groups
 * are the layers, channels the neurons, no heads): one channel of group g costs its filter in the
 * convolution that produces it plus its input slice in the next one, each at that convolution's
 * spatial size. For BasicBlock this is exact. In a Bottleneck the 3×3 convolution's cost is
 * (kept conv1 channels)·(kept conv2 channels), bilinear; its share is split evenly between the
 * two groups, exact for the unpruned network and an approximation otherwise, which the selection
 * corrects with {@link #macs} (exact for any masks).
 */
public final class ChannelCosts implements UnitCosts.Linear {
    private final ResNetWeights weights;
    private final int h, w;
    private final double[] perChannel;
    private final long total;
    private final double fixed;

    public ChannelCosts(ResNetWeights weights, int h, int w) {
        this.weights = weights; this.h = h; this.w = w;
        this.total = weights.macs(h, w);
        int[] sizes = weights.groupSizes();
        perChannel = new double[sizes.length];
        int[] s = weights.afterStem(h, w);
        int y = s[0], x = s[1], g = 0;
        for (ResidualBlock b : weights.blocks()) {
            int k = b.convs().size();
            long[] macs = new long[k];
            int by = y, bx = x;
            for (int i = 0; i < k; i++) { ConvBn c = b.convs().get(i); macs[i] = c.macs(by, bx); by = c.outSize(by); bx = c.outSize(bx); }
            for (int i = 0; i < k - 1; i++, g++) {
                ConvBn c = b.convs().get(i);
                // producing conv: its whole cost over its outputs, unless it is itself shared (the Bottleneck 3×3, i = 1)
                double produce = (double) macs[i] / c.out() * (i == 0 ? 1 : 0.5);
                double consume = (double) macs[i + 1] / c.out() * (i + 1 < k - 1 ? 0.5 : 1);
                perChannel[g] = produce + consume;
            }
            y = by; x = bx;
        }
        double prunable = 0;
        for (int i = 0; i < sizes.length; i++) prunable += sizes[i] * perChannel[i];
        fixed = total - prunable;
    }

    @Override public double headCost(int layer) { return 0; }
    @Override public double neuronCost(int group) { return perChannel[group]; }

    /** MACs of the whole unpruned network per image. */
    public long total() { return total; }

    /** MACs the channels do not change (stem, last convolution's outputs, shortcuts, fc). */
    public double fixed() { return fixed; }

    /** Exact MACs per image of the network pruned by masks (what {@code weights.pruned(m).macs(h, w)} gives, without copying). */
    public long macs(Masks m) {
        int[] s = weights.afterStem(h, w);
        long t = weights.stem().macs(h, w) + (long) weights.classes() * weights.features();
        int y = s[0], x = s[1], g = 0;
        for (ResidualBlock b : weights.blocks()) {
            int by = y, bx = x, in = b.in(), k = b.convs().size();
            for (int i = 0; i < k; i++) {
                ConvBn c = b.convs().get(i);
                int out = i < k - 1 ? m.keptNeurons(g + i) : c.out();
                by = c.outSize(by); bx = c.outSize(bx);
                t += (long) by * bx * out * in * c.kernel() * c.kernel();
                in = out;
            }
            g += k - 1;
            if (b.downsample() != null) t += b.downsample().macs(y, x);
            y = by; x = bx;
        }
        return t;
    }
}
