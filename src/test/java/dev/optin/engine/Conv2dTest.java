package dev.optin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Convolutions against a double-precision direct convolution on small maps (where most windows reach into the
 * padding and regions skip those taps), strides, 1×1 and 7×7 kernels; the fused residual add and ReLU; and the
 * same bits for any thread count, any batch size and with the tap-restricted regions turned off or on.
 */
class Conv2dTest {
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(threadsBefore); }

    /** {out, in, kernel, stride, pad, h, w} */
    private static final int[][] SHAPES = {
            {64, 64, 3, 1, 1, 1, 1}, {40, 24, 3, 1, 1, 2, 2}, {33, 16, 3, 1, 1, 4, 4}, {16, 8, 3, 1, 1, 7, 5},
            {130, 20, 3, 2, 1, 7, 7}, {40, 24, 3, 2, 1, 2, 2}, {64, 3, 7, 2, 3, 28, 28}, {24, 16, 1, 2, 0, 7, 7},
            {200, 32, 1, 1, 0, 3, 3}, {8, 4, 3, 1, 4, 2, 3}, {5, 6, 5, 3, 2, 9, 8}};

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** Direct convolution in double, channels-last, torch weight [out][in][k][k]. */
    private static double[] reference(float[] x, float[] wt, float[] bias, int n, int h, int w, int[] s) {
        int out = s[0], in = s[1], k = s[2], st = s[3], pad = s[4], oh = (h + 2 * pad - k) / st + 1, ow = (w + 2 * pad - k) / st + 1;
        double[] y = new double[n * oh * ow * out];
        for (int i = 0; i < n; i++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) for (int o = 0; o < out; o++) {
            double sum = bias[o];
            for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
                int iy = oy * st - pad + ky, ix = ox * st - pad + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                for (int c = 0; c < in; c++) sum += (double) x[((i * h + iy) * w + ix) * in + c] * wt[((o * in + c) * k + ky) * k + kx];
            }
            y[((i * oh + oy) * ow + ox) * out + o] = sum;
        }
        return y;
    }

    @Test
    void matchesDirectConvolutionWithResidualAndRelu() {
        Random r = new Random(5);
        for (int[] s : SHAPES) {
            int n = 3, h = s[5], w = s[6];
            float[] wt = random(r, s[0] * s[1] * s[2] * s[2]), bias = random(r, s[0]), x = random(r, n * h * w * s[1]);
            for (long budget : new long[] {Conv2d.EXTRA_WEIGHTS, 0}) {
                Conv2d c = new Conv2d(wt, bias, s[0], s[1], s[2], s[3], s[4], budget);
                double[] ref = reference(x, wt, bias, n, h, w, s);
                float[] y = c.forward(x, n, h, w);
                float[] res = random(r, y.length);
                float[] z = c.forward(x, n, h, w, res, true);
                double tol = 1e-5 * Math.sqrt(s[1] * s[2] * s[2]) + 1e-5;
                for (int i = 0; i < ref.length; i++) {
                    assertThat((double) y[i]).as("shape %s budget %d at %d", java.util.Arrays.toString(s), budget, i).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(tol));
                    assertThat(z[i]).isEqualTo(Math.max(y[i] + res[i], 0f));
                }
            }
        }
    }

    @Test
    void sameBitsForAnyThreadCountAndBatch() {
        Random r = new Random(7);
        for (int[] s : SHAPES) {
            int n = 37, h = s[5], w = s[6];   // 37 images: chunks of 128 rows end inside images
            float[] wt = random(r, s[0] * s[1] * s[2] * s[2]), bias = random(r, s[0]), x = random(r, n * h * w * s[1]);
            Conv2d c = new Conv2d(wt, bias, s[0], s[1], s[2], s[3], s[4]);
            Parallel.setThreads(1);
            float[] one = c.forward(x, n, h, w);
            Parallel.setThreads(3);
            float[] three = c.forward(x, n, h, w);
            assertThat(three).as("shape %s", java.util.Arrays.toString(s)).isEqualTo(one);
            int per = one.length / n, img = 29;
            float[] alone = c.forward(java.util.Arrays.copyOfRange(x, img * h * w * s[1], (img + 1) * h * w * s[1]), 1, h, w);
            assertThat(alone).isEqualTo(java.util.Arrays.copyOfRange(one, img * per, (img + 1) * per));
        }
    }

    @Test
    void patchesTimesWeightIsTheConvolution() {
        Random r = new Random(9);
        int[] s = {12, 5, 3, 2, 1, 5, 6};
        int n = 2, h = s[5], w = s[6], k = s[1] * 9;
        float[] wt = random(r, s[0] * k), bias = new float[s[0]], x = random(r, n * h * w * s[1]);
        Conv2d c = new Conv2d(wt, bias, s[0], s[1], 3, 2, 1);
        float[] p = c.patches(x, n, h, w);
        double[] ref = reference(x, wt, bias, n, h, w, s);
        int rows = p.length / k;
        for (int row = 0; row < rows; row++)
            for (int o = 0; o < s[0]; o++) {
                double sum = 0;
                for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) for (int ci = 0; ci < s[1]; ci++)
                    sum += (double) p[row * k + (ky * 3 + kx) * s[1] + ci] * wt[((o * s[1] + ci) * 3 + ky) * 3 + kx];
                assertThat(sum).isCloseTo(ref[row * s[0] + o], org.assertj.core.data.Offset.offset(1e-9));
            }
    }
}
