package dev.optin.model.resnet;

import dev.optin.model.Masks;
import dev.optin.testing.RandomResNets;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Channel-gate gradients of the cross-entropy against central finite differences of the forward pass. */
class ChannelGradientsTest {
    static double loss(ResNet net, float[] x, int n, int h, int w, Masks m, int[] y) {
        float[] z = net.run(x, n, h, w, m, null);
        int C = net.weights().classes();
        double s = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < C; c++) max = Math.max(max, z[i * C + c]);
            for (int c = 0; c < C; c++) sum += Math.exp(z[i * C + c] - max);
            s += Math.log(sum) + max - z[i * C + y[i]];
        }
        return s;
    }

    void check(ResNetWeights wt) {
        ResNet net = new ResNet(wt);
        int n = 3, h = 24, w = 20;
        Random r = new Random(4);
        float[] x = new float[n * 3 * h * w];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = {0, 2, 1};
        double[][] g = ChannelGradients.of(net, x, n, h, w, y);
        double eps = 1e-3, worst = 0, scale = 0;
        int agree = 0, checked = 0;
        java.util.List<double[]> pairs = new java.util.ArrayList<>();
        Masks m = wt.ones();
        for (int gr = 0; gr < g.length; gr++)
            for (int j = 0; j < g[gr].length; j += 3) {
                m.neuron[gr][j] = (float) (1 + eps);
                double up = loss(net, x, n, h, w, m, y);
                m.neuron[gr][j] = (float) (1 - eps);
                double down = loss(net, x, n, h, w, m, y);
                m.neuron[gr][j] = 1f;
                double fd = (up - down) / (2 * eps);
                worst = Math.max(worst, Math.abs(fd - g[gr][j]));
                pairs.add(new double[] {fd, g[gr][j]});
                if (Boolean.getBoolean("debug.grad")) System.out.printf("g%d c%d fd %.4f an %.4f%n", gr, j, fd, g[gr][j]);
                scale = Math.max(scale, Math.abs(fd));
            }
        for (double[] p : pairs) { checked++; if (Math.abs(p[0] - p[1]) <= 0.01 * scale) agree++; }
        System.out.printf("channel gradients: %d of %d within 1%% of the largest; max |analytic - finite difference| %.3g at max |gradient| %.3g%n",
                agree, checked, worst, scale);
        assertThat(scale).isGreaterThan(1e-3);
        // a ReLU or max-pool switching inside ±eps makes a finite difference disagree; the gradient itself must agree almost everywhere
        assertThat(agree).isGreaterThanOrEqualTo((int) Math.ceil(0.9 * checked));
    }

    @Test
    void basicBlocks() { check(RandomResNets.basic(3, 3, 8, new int[] {2, 2}, 4)); }

    @Test
    void bottlenecks() { check(RandomResNets.bottleneck(4, 3, 4, new int[] {1, 2}, 4)); }
}
