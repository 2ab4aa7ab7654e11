package dev.optin.model.resnet;

import dev.optin.engine.Conv2d;
import dev.optin.engine.ConvOps;

/**
 * Gradients of a batch's summed cross-entropy with respect to every inner-channel gate (all
 * gates at 1), for Kwon et al.'s Fisher importance on channel masks: a forward pass that keeps
 * each block's input and post-ReLU inner activations, then the backward pass through fc, the
 * average pool, each block's residual add, ReLUs and (folded) convolutions. The gate gradient of
 * channel j is Σ over positions of its activation times the gradient arriving at it.
 */
public final class ChannelGradients {
    private ChannelGradients() {}

    /** [group][channel] gradients of Σ_images CE(logits, labels) for pixels [n][c][h][w]. */
    public static double[][] of(ResNet net, float[] pixels, int n, int h, int w, int[] labels) {
        ResNetWeights wt = net.weights();
        int B = wt.blocks().length, C = wt.classes();
        Activation[] in = new Activation[B];
        Activation[][] inner = new Activation[B][];
        Activation x = net.stem(pixels, n, h, w);
        for (int b = 0; b < B; b++) {
            in[b] = x;
            ResidualBlock blk = wt.blocks()[b];
            int idx = net.convIndex(b), k = blk.convs().size();
            inner[b] = new Activation[k - 1];
            Activation t = x;
            for (int i = 0; i < k; i++) {
                t = ResNet.apply(net.conv(idx + i), t);
                if (i < k - 1) { ConvOps.relu(t.x()); inner[b][i] = t; }
            }
            Activation sc = blk.downsample() == null ? x : ResNet.apply(net.conv(idx + k), x);
            ConvOps.addRelu(t.x(), sc.x());
            x = t;
        }
        float[] z = net.head(x);
        // dL/dz = softmax(z) − onehot; dL/dpooled = dz·Wfc; spread over the positions
        int F = wt.features(), hw = x.h() * x.w();
        float[] dx = new float[x.x().length];
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= C) throw new IllegalArgumentException("label " + labels[i] + " outside the model's " + C + " classes");
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < C; c++) max = Math.max(max, z[i * C + c]);
            double[] p = new double[C];
            for (int c = 0; c < C; c++) { p[c] = Math.exp(z[i * C + c] - max); sum += p[c]; }
            double[] dpool = new double[F];
            for (int c = 0; c < C; c++) {
                double d = p[c] / sum - (c == labels[i] ? 1 : 0);
                for (int f = 0; f < F; f++) dpool[f] += d * wt.fcWeight()[c * F + f];
            }
            for (int q = 0; q < hw; q++) for (int f = 0; f < F; f++) dx[(i * hw + q) * F + f] = (float) (dpool[f] / hw);
        }
        double[][] grads = new double[wt.groupSizes().length][];
        Activation out = x;
        for (int b = B - 1; b >= 0; b--) {
            ResidualBlock blk = wt.blocks()[b];
            int idx = net.convIndex(b), k = blk.convs().size(), g0 = wt.firstGroup(b);
            float[] dt = dx;
            for (int j = 0; j < dt.length; j++) if (out.x()[j] <= 0f) dt[j] = 0f;   // final ReLU
            float[] dShort = blk.downsample() == null ? dt : backward(net.conv(idx + k), dt, in[b]);
            for (int i = k - 1; i >= 0; i--) {
                Activation input = i == 0 ? in[b] : inner[b][i - 1];
                float[] dIn = backward(net.conv(idx + i), dt, input);
                if (i > 0) {
                    float[] a = input.x();
                    int c = input.c();
                    double[] g = new double[c];
                    for (int p = 0; p < input.positions(); p++)
                        for (int j = 0; j < c; j++) {
                            g[j] += (double) a[p * c + j] * dIn[p * c + j];
                            if (a[p * c + j] <= 0f) dIn[p * c + j] = 0f;   // the inner ReLU
                        }
                    grads[g0 + i - 1] = g;
                }
                dt = dIn;
            }
            for (int j = 0; j < dt.length; j++) dt[j] += dShort[j];
            dx = dt;
            out = in[b];
        }
        return grads;
    }

    private static float[] backward(Conv2d c, float[] dy, Activation input) {
        return c.backwardInput(dy, input.n(), input.h(), input.w());
    }
}
