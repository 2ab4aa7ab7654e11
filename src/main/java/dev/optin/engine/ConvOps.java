package dev.optin.engine;

/** Element-wise and pooling operations of convolutional networks on channels-last {@code [n][h][w][c]} activations. */
public final class ConvOps {
    private ConvOps() {}

    /** max(x, 0) in place (branch-free: a compare per element mispredicted on half of them). */
    public static void relu(float[] x) {
        for (int i = 0; i < x.length; i++) x[i] = Math.max(x[i], 0f);
    }

    /** x = relu(x + r), in place (the residual add of a block). */
    public static void addRelu(float[] x, float[] r) {
        if (x.length != r.length) throw new IllegalArgumentException("residual has " + r.length + " values, the block output " + x.length);
        for (int i = 0; i < x.length; i++) x[i] = Math.max(x[i] + r[i], 0f);
    }

    public static int poolSize(int size, int kernel, int stride, int pad) { return (size + 2 * pad - kernel) / stride + 1; }

    /** Max pooling (padding never wins, as in PyTorch); Y [n][oh][ow][c]. */
    public static float[] maxPool(float[] x, int n, int h, int w, int c, int kernel, int stride, int pad) {
        int oh = poolSize(h, kernel, stride, pad), ow = poolSize(w, kernel, stride, pad);
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException("input " + h + "x" + w + " is smaller than the pooling window " + kernel);
        float[] y = new float[n * oh * ow * c];
        Parallel.forEach(n * oh, r -> {
            int img = r / oh, oy = r % oh;
            for (int ox = 0; ox < ow; ox++) {
                int yo = ((img * oh + oy) * ow + ox) * c;
                java.util.Arrays.fill(y, yo, yo + c, Float.NEGATIVE_INFINITY);
                for (int ky = 0; ky < kernel; ky++) {
                    int iy = oy * stride - pad + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (int kx = 0; kx < kernel; kx++) {
                        int ix = ox * stride - pad + kx;
                        if (ix < 0 || ix >= w) continue;
                        int xo = ((img * h + iy) * w + ix) * c;
                        for (int j = 0; j < c; j++) y[yo + j] = Math.max(y[yo + j], x[xo + j]);
                    }
                }
            }
        });
        return y;
    }

    /** Mean over the h·w positions: Y [n][c]. */
    public static float[] globalAveragePool(float[] x, int n, int hw, int c) {
        float[] y = new float[n * c];
        for (int i = 0; i < n; i++) {
            double[] s = new double[c];
            for (int p = 0; p < hw; p++) {
                int o = (i * hw + p) * c;
                for (int j = 0; j < c; j++) s[j] += x[o + j];
            }
            for (int j = 0; j < c; j++) y[i * c + j] = (float) (s[j] / hw);
        }
        return y;
    }

    /** NCHW [n][c][h][w] → NHWC [n][h][w][c]. */
    public static float[] toChannelsLast(float[] x, int n, int c, int h, int w) {
        float[] y = new float[x.length];
        int hw = h * w;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hw; p++) y[(i * hw + p) * c + ch] = x[(i * c + ch) * hw + p];
        return y;
    }
}
