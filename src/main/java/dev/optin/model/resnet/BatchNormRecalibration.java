package dev.optin.model.resnet;

import dev.optin.engine.Conv2d;

import java.util.ArrayList;
import java.util.List;

/**
 * Re-estimates every BatchNorm's running statistics on calibration images ("adaptive BN"): the
 * network runs as PyTorch's {@code train()} mode does, each BatchNorm normalising with its current
 * batch's statistics, and the new running mean and variance are the averages over the batches of
 * each batch's mean and unbiased variance (PyTorch's {@code momentum=None}). Only statistics
 * change; no weight is learned. After pruning, the channels a block lost shift the distribution
 * every later BatchNorm sees, and this step resets them to what the pruned network produces.
 */
public final class BatchNormRecalibration {
    private BatchNormRecalibration() {}

    /**
     * @param batches pixel batches, each [n][c][h][w] with n = batch.length / (c·h·w)
     */
    public static ResNetWeights recalibrate(ResNetWeights w, List<float[]> batches, int h, int wd) {
        List<ConvBn> convs = w.convs();
        Conv2d[] raw = new Conv2d[convs.size()];
        for (int i = 0; i < raw.length; i++) raw[i] = convs.get(i).raw();
        double[][] sumMean = new double[raw.length][], sumVar = new double[raw.length][];
        for (int i = 0; i < raw.length; i++) { sumMean[i] = new double[raw[i].out()]; sumVar[i] = new double[raw[i].out()]; }
        ResNet train = new ResNet(w, (i, x) -> {
            Conv2d c = raw[i];
            float[] y = c.forward(x.x(), x.n(), x.h(), x.w());
            Activation a = new Activation(y, x.n(), c.outSize(x.h()), c.outSize(x.w()), c.out());
            normalise(a, convs.get(i).bn(), sumMean[i], sumVar[i]);
            return a;
        });
        int per = w.channels() * h * wd;
        for (float[] b : batches) {
            if (b.length % per != 0 || b.length == 0) throw new IllegalArgumentException("a calibration batch of " + b.length + " values is not whole images of " + w.channels() + "x" + h + "x" + wd);
            train.logits(b, b.length / per, h, wd);
        }
        List<ConvBn> out = new ArrayList<>(convs.size());
        for (int i = 0; i < raw.length; i++) {
            float[] m = new float[raw[i].out()], v = new float[raw[i].out()];
            for (int c = 0; c < m.length; c++) { m[c] = (float) (sumMean[i][c] / batches.size()); v[c] = (float) (sumVar[i][c] / batches.size()); }
            out.add(convs.get(i).withBatchNorm(convs.get(i).bn().withStatistics(m, v)));
        }
        return w.withConvs(out);
    }

    /** Normalises a with its own per-channel statistics (in place) and adds them to the sums. */
    private static void normalise(Activation a, BatchNorm bn, double[] sumMean, double[] sumVar) {
        int c = a.c(), p = a.positions();
        if (p < 2) throw new IllegalArgumentException("BatchNorm re-estimation needs at least 2 values per channel; use larger calibration batches");
        float[] x = a.x();
        double[] mean = new double[c], sq = new double[c];
        for (int r = 0; r < p; r++) for (int j = 0; j < c; j++) mean[j] += x[r * c + j];
        for (int j = 0; j < c; j++) mean[j] /= p;
        for (int r = 0; r < p; r++) for (int j = 0; j < c; j++) { double d = x[r * c + j] - mean[j]; sq[j] += d * d; }
        float[] scale = new float[c], shift = new float[c];
        for (int j = 0; j < c; j++) {
            double var = sq[j] / p;
            sumMean[j] += mean[j];
            sumVar[j] += sq[j] / (p - 1);
            double s = bn.gamma()[j] / Math.sqrt(var + bn.eps());
            scale[j] = (float) s;
            shift[j] = (float) (bn.beta()[j] - mean[j] * s);
        }
        for (int r = 0; r < p; r++) for (int j = 0; j < c; j++) x[r * c + j] = x[r * c + j] * scale[j] + shift[j];
    }
}
