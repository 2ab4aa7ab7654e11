package dev.optin.model.resnet;

import dev.optin.engine.Conv2d;
import dev.optin.engine.ConvOps;
import dev.optin.engine.Gemm;
import dev.optin.model.Masks;

import java.util.List;

/**
 * The forward pass of a {@link ResNetWeights}, BatchNorm folded into every convolution once, at
 * construction. Pixels come in as [n][c][h][w] (what ONNX and PyTorch take) and run channels-last
 * inside. Channel gates ({@link Masks}, neuron row per group) scale a block's inner channels after
 * their ReLU; a gate of 0 gives what the physically pruned network gives.
 */
public final class ResNet {
    private final ResNetWeights weights;
    private final ConvStep step;
    private final Gemm.PackedLinear fc;
    private final Conv2d[] folded;   // null when a custom step runs the convolutions

    /** One convolution + BatchNorm by its index in {@link ResNetWeights#convs()}. */
    interface ConvStep {
        Activation apply(int index, Activation x);

        /** relu(conv(x) + residual), residual may be null: what the forward pass needs after every convolution but a downsample. */
        default Activation applyRelu(int index, Activation x, Activation residual) {
            Activation y = apply(index, x);
            if (residual != null) ConvOps.addRelu(y.x(), residual.x());
            else ConvOps.relu(y.x());
            return y;
        }
    }

    public ResNet(ResNetWeights weights) {
        this(weights, fold(weights));
    }

    private ResNet(ResNetWeights weights, Conv2d[] f) {
        this(weights, new ConvStep() {
            @Override public Activation apply(int i, Activation x) { return ResNet.apply(f[i], x, null, false); }
            @Override public Activation applyRelu(int i, Activation x, Activation residual) { return ResNet.apply(f[i], x, residual, true); }
        }, f);
    }

    ResNet(ResNetWeights weights, ConvStep step) { this(weights, step, null); }

    private ResNet(ResNetWeights weights, ConvStep step, Conv2d[] folded) {
        this.weights = weights;
        this.step = step;
        this.folded = folded;
        this.fc = Gemm.pack(weights.fcWeight(), weights.classes(), weights.features());
    }

    private static Conv2d[] fold(ResNetWeights w) {
        List<ConvBn> convs = w.convs();
        Conv2d[] f = new Conv2d[convs.size()];
        for (int i = 0; i < f.length; i++) f[i] = convs.get(i).folded();
        return f;
    }

    static Activation apply(Conv2d c, Activation x) { return apply(c, x, null, false); }

    /** The residual add and ReLU happen as the convolution writes its output. */
    static Activation apply(Conv2d c, Activation x, Activation residual, boolean relu) {
        return new Activation(c.forward(x.x(), x.n(), x.h(), x.w(), residual == null ? null : residual.x(), relu),
                x.n(), c.outSize(x.h()), c.outSize(x.w()), c.out());
    }

    /** The folded convolution by its index in {@link ResNetWeights#convs()}. */
    Conv2d conv(int index) { return folded[index]; }

    public ResNetWeights weights() { return weights; }

    /** Logits [n][classes] of pixels [n][c][h][w]. */
    public float[] logits(float[] pixels, int n, int h, int w) { return run(pixels, n, h, w, null, null); }

    /**
     * Logits of pixels [n][c][h][w] with gates (null: all 1); when features is non-null, block b's
     * output goes to features[b].
     */
    public float[] run(float[] pixels, int n, int h, int w, Masks masks, Activation[] features) {
        Activation x = stem(pixels, n, h, w);
        for (int b = 0; b < weights.blocks().length; b++) {
            x = block(b, x, masks);
            if (features != null) features[b] = x;
        }
        return head(x);
    }

    /** Features [n][features] the fc reads: the last block's output, globally average-pooled (gates as in {@link #run}). */
    public float[] pooled(float[] pixels, int n, int h, int w, Masks masks) {
        Activation x = stem(pixels, n, h, w);
        for (int b = 0; b < weights.blocks().length; b++) x = block(b, x, masks);
        return ConvOps.globalAveragePool(x.x(), x.n(), x.h() * x.w(), x.c());
    }

    /** Stem: conv + BN + ReLU, max pool 3×3/2 (pad 1). */
    public Activation stem(float[] pixels, int n, int h, int w) {
        int c = weights.channels();
        if (pixels.length != (long) n * c * h * w)
            throw new IllegalArgumentException("pixel_values has " + pixels.length + " values, expected " + n + "x" + c + "x" + h + "x" + w);
        Activation x = step.applyRelu(0, new Activation(ConvOps.toChannelsLast(pixels, n, c, h, w), n, h, w, c), null);
        int oh = ConvOps.poolSize(x.h(), 3, 2, 1), ow = ConvOps.poolSize(x.w(), 3, 2, 1);
        return new Activation(ConvOps.maxPool(x.x(), n, x.h(), x.w(), x.c(), 3, 2, 1), n, oh, ow, x.c());
    }

    /** Block b on x, inner channels gated by masks (null: none). */
    public Activation block(int b, Activation x, Masks masks) {
        ResidualBlock blk = weights.blocks()[b];
        int index = convIndex(b), g0 = weights.firstGroup(b), k = blk.convs().size();
        Activation shortcut = blk.downsample() == null ? x : step.apply(index + k, x);
        Activation t = x;
        for (int i = 0; i < k; i++) {
            t = step.applyRelu(index + i, t, i < k - 1 ? null : shortcut);
            if (i < k - 1 && masks != null) gate(t, masks.neuron[g0 + i]);
        }
        return t;
    }

    /** Global average pool and fc. */
    public float[] head(Activation x) {
        float[] pooled = ConvOps.globalAveragePool(x.x(), x.n(), x.h() * x.w(), x.c());
        float[] z = new float[x.n() * weights.classes()];
        Gemm.linear(pooled, 0, x.n(), fc, weights.fcBias(), z, 0);
        return z;
    }

    private static void gate(Activation t, float[] g) {
        boolean ones = true;
        for (float v : g) ones &= v == 1f;
        if (ones) return;
        float[] x = t.x();
        int c = t.c();
        for (int p = 0; p < t.positions(); p++)
            for (int j = 0; j < c; j++) x[p * c + j] *= g[j];
    }

    /** Index in {@link ResNetWeights#convs()} of block b's first convolution. */
    int convIndex(int b) {
        int k = 1;
        for (int i = 0; i < b; i++) k += weights.blocks()[i].convs().size() + (weights.blocks()[i].downsample() == null ? 0 : 1);
        return k;
    }
}
