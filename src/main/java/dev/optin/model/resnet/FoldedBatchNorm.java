package dev.optin.model.resnet;

import dev.optin.engine.Conv2d;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BatchNorm that an exporter folded into its convolution (torch.onnx does in eval mode): the
 * convolution keeps a bias and the statistics are gone. Such a convolution is held as a ConvBn
 * whose BatchNorm is the identity plus the bias ({@link #identity}: gamma 1, mean 0, variance
 * 1 − eps, beta the bias), which computes the same function. Re-estimating BatchNorm after
 * pruning needs real statistics, so {@link #restore} measures them on calibration images with the
 * unpruned network (the mean and unbiased variance of each convolution's output, averaged over the
 * batches as {@link BatchNormRecalibration} does) and rewrites each folded BatchNorm as
 * gamma = √(var + eps), beta = bias + mean with those statistics: the same function again, now
 * with statistics that re-estimation can replace.
 */
public final class FoldedBatchNorm {
    private FoldedBatchNorm() {}

    /** The BatchNorm of a convolution with a folded-in bias. */
    public static BatchNorm identity(float[] bias, float eps) {
        float[] one = new float[bias.length], zero = new float[bias.length], var = new float[bias.length];
        Arrays.fill(one, 1f);
        Arrays.fill(var, 1f - eps);
        return new BatchNorm(one, bias.clone(), zero, var, eps);
    }

    /** True when bn is an {@link #identity} (a folded BatchNorm without statistics). */
    public static boolean isFolded(BatchNorm bn) {
        for (int c = 0; c < bn.channels(); c++)
            if (bn.gamma()[c] != 1f || bn.mean()[c] != 0f || bn.var()[c] != 1f - bn.eps()) return false;
        return true;
    }

    /** True when any of the network's BatchNorms is folded. */
    public static boolean any(ResNetWeights w) { return w.convs().stream().anyMatch(c -> isFolded(c.bn())); }

    /**
     * The same network with the statistics of every folded BatchNorm measured on the batches
     * (others unchanged).
     *
     * @param batches pixel batches, each [n][c][h][w] with n = batch.length / (c·h·w), at least 2 values per channel
     */
    public static ResNetWeights restore(ResNetWeights w, List<float[]> batches, int h, int wd) {
        List<ConvBn> convs = w.convs();
        double[][] sumMean = new double[convs.size()][], sumVar = new double[convs.size()][];
        for (int i = 0; i < convs.size(); i++) { sumMean[i] = new double[convs.get(i).out()]; sumVar[i] = new double[convs.get(i).out()]; }
        ResNet forward = new ResNet(w, (i, x) -> {
            Conv2d c = convs.get(i).folded();
            float[] y = c.forward(x.x(), x.n(), x.h(), x.w());
            Activation a = new Activation(y, x.n(), c.outSize(x.h()), c.outSize(x.w()), c.out());
            accumulate(a, sumMean[i], sumVar[i]);
            return a;
        });
        int per = w.channels() * h * wd;
        for (float[] b : batches) {
            if (b.length % per != 0 || b.length == 0) throw new IllegalArgumentException("a calibration batch of " + b.length + " values is not whole images of " + w.channels() + "x" + h + "x" + wd);
            forward.logits(b, b.length / per, h, wd);
        }
        List<ConvBn> out = new ArrayList<>(convs.size());
        for (int i = 0; i < convs.size(); i++) {
            ConvBn c = convs.get(i);
            BatchNorm bn = c.bn();
            if (!isFolded(bn)) { out.add(c); continue; }
            int k = c.out();
            float[] gamma = new float[k], beta = new float[k], mean = new float[k], var = new float[k];
            for (int j = 0; j < k; j++) {
                double m = sumMean[i][j] / batches.size(), v = sumVar[i][j] / batches.size();
                // statistics of the convolution without its bias; the function stays conv + bias
                mean[j] = (float) (m - bn.beta()[j]);
                var[j] = (float) v;
                gamma[j] = (float) Math.sqrt(v + bn.eps());
                beta[j] = (float) m;
            }
            out.add(c.withBatchNorm(new BatchNorm(gamma, beta, mean, var, bn.eps())));
        }
        return w.withConvs(out);
    }

    /** Adds a's per-channel mean and unbiased variance to the sums. */
    private static void accumulate(Activation a, double[] sumMean, double[] sumVar) {
        int c = a.c(), p = a.positions();
        if (p < 2) throw new IllegalArgumentException("BatchNorm statistics need at least 2 values per channel; use larger calibration batches");
        float[] x = a.x();
        double[] mean = new double[c], sq = new double[c];
        for (int r = 0; r < p; r++) for (int j = 0; j < c; j++) mean[j] += x[r * c + j];
        for (int j = 0; j < c; j++) mean[j] /= p;
        for (int r = 0; r < p; r++) for (int j = 0; j < c; j++) { double d = x[r * c + j] - mean[j]; sq[j] += d * d; }
        for (int j = 0; j < c; j++) { sumMean[j] += mean[j]; sumVar[j] += sq[j] / (p - 1); }
    }
}
