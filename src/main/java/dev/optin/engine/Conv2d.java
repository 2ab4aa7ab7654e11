package dev.optin.engine;

/**
 * A 2-D convolution (square kernel, zero padding, no groups or dilation) on channels-last
 * activations {@code [n][h][w][c]}, computed as im2col rows times the packed weight on the
 * shared GEMM kernel: each output pixel is one row {@code [ky][kx][ci]} of the patch matrix, so
 * the product is {@code Y[n·oh·ow × out] = patches · Wᵀ + bias}. A 1×1 stride-1 convolution reads
 * its input in place. The patch matrix is built and multiplied in chunks of whole images (bounded
 * memory); GEMM never splits a dot product across threads, so results do not depend on the
 * thread count.
 */
public final class Conv2d {
    /** Patch-matrix elements per chunk (16 MB of floats). */
    static final int CHUNK_ELEMENTS = 4 << 20;

    private final int out, in, kernel, stride, pad;
    private final float[] bias;
    private final float[] weight;   // [out][ky][kx][in]
    private final Gemm.PackedLinear packed;

    /**
     * @param torchWeight PyTorch layout {@code [out][in][k][k]}
     * @param bias        per output channel, or null
     */
    public Conv2d(float[] torchWeight, float[] bias, int out, int in, int kernel, int stride, int pad) {
        if (out <= 0 || in <= 0 || kernel <= 0 || stride <= 0 || pad < 0)
            throw new IllegalArgumentException("convolution " + out + "x" + in + "x" + kernel + "x" + kernel + " stride " + stride + " pad " + pad);
        if (torchWeight.length != (long) out * in * kernel * kernel)
            throw new IllegalArgumentException("convolution weight has " + torchWeight.length + " values, expected " + out + "x" + in + "x" + kernel + "x" + kernel);
        if (bias != null && bias.length != out) throw new IllegalArgumentException("convolution bias has " + bias.length + " values for " + out + " channels");
        this.out = out; this.in = in; this.kernel = kernel; this.stride = stride; this.pad = pad;
        this.bias = bias;
        int kk = kernel * kernel;
        float[] w = new float[torchWeight.length];   // [out][ky][kx][in]
        for (int o = 0; o < out; o++)
            for (int c = 0; c < in; c++)
                for (int k = 0; k < kk; k++) w[(o * kk + k) * in + c] = torchWeight[(o * in + c) * kk + k];
        this.weight = w;
        this.packed = Gemm.pack(w, out, kk * in);
    }

    public int out() { return out; }
    public int in() { return in; }
    public int kernel() { return kernel; }
    public int stride() { return stride; }
    public int pad() { return pad; }

    public int outSize(int size) { return (size + 2 * pad - kernel) / stride + 1; }

    /** Y [n][oh][ow][out] of X [n][h][w][in]. */
    public float[] forward(float[] x, int n, int h, int w) {
        if (x.length < (long) n * h * w * in) throw new IllegalArgumentException("input has " + x.length + " values, expected " + n + "x" + h + "x" + w + "x" + in);
        int oh = outSize(h), ow = outSize(w);
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException("input " + h + "x" + w + " is smaller than the " + kernel + "x" + kernel + " kernel");
        float[] y = new float[n * oh * ow * out];
        if (kernel == 1 && stride == 1 && pad == 0) {
            Gemm.linear(x, 0, n * h * w, packed, bias, y, 0);
            return y;
        }
        int k = kernel * kernel * in, rowsPerImage = oh * ow;
        int images = Math.max(1, Math.min(n, CHUNK_ELEMENTS / Math.max(1, rowsPerImage * k)));
        float[] patches = new float[images * rowsPerImage * k];
        for (int i0 = 0; i0 < n; i0 += images) {
            int m = Math.min(images, n - i0), first = i0;
            Parallel.forEach(m * oh, r -> im2colRow(x, first + r / oh, r % oh, h, w, ow, patches, (r / oh * oh + r % oh) * ow * k));
            Gemm.linear(patches, 0, m * rowsPerImage, packed, bias, y, i0 * rowsPerImage * out);
        }
        return y;
    }

    /**
     * The gradient with respect to the input, dX [n][h][w][in], of dY [n][oh][ow][out]: patch
     * gradients dY·W, then each patch added back where it was read (col2im; images in parallel,
     * each summed in a fixed order, so the result does not depend on the thread count).
     */
    public float[] backwardInput(float[] dy, int n, int h, int w) {
        int oh = outSize(h), ow = outSize(w), k = kernel * kernel * in, rows = n * oh * ow;
        if (dy.length != (long) rows * out) throw new IllegalArgumentException("output gradient has " + dy.length + " values, expected " + rows + "x" + out);
        if (kernel == 1 && stride == 1 && pad == 0) {
            float[] dx = new float[rows * in];
            Gemm.gemm(false, false, rows, in, out, dy, 0, out, weight, 0, in, dx, 0, in, false);
            return dx;
        }
        float[] dx = new float[n * h * w * in];
        int images = Math.max(1, Math.min(n, CHUNK_ELEMENTS / Math.max(1, oh * ow * k)));
        float[] dp = new float[images * oh * ow * k];
        for (int i0 = 0; i0 < n; i0 += images) {
            int m = Math.min(images, n - i0), first = i0;
            Gemm.gemm(false, false, m * oh * ow, k, out, dy, i0 * oh * ow * out, out, weight, 0, k, dp, 0, k, false);
            Parallel.forEach(m, img -> {
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int q = ((img * oh + oy) * ow + ox) * k;
                        for (int ky = 0; ky < kernel; ky++) {
                            int iy = oy * stride - pad + ky;
                            for (int kx = 0; kx < kernel; kx++, q += in) {
                                int ix = ox * stride - pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                int o = (((first + img) * h + iy) * w + ix) * in;
                                for (int c = 0; c < in; c++) dx[o + c] += dp[q + c];
                            }
                        }
                    }
            });
        }
        return dx;
    }

    /** The patch matrix [n·oh·ow][kernel·kernel·in] (columns [ky][kx][in]) the forward pass multiplies. */
    public float[] patches(float[] x, int n, int h, int w) {
        int oh = outSize(h), ow = outSize(w), k = kernel * kernel * in;
        float[] p = new float[n * oh * ow * k];
        Parallel.forEach(n * oh, r -> im2colRow(x, r / oh, r % oh, h, w, ow, p, r * ow * k));
        return p;
    }

    /** The patches of output row oy of image img: ow rows of [ky][kx][in], zeros outside the image. */
    private void im2colRow(float[] x, int img, int oy, int h, int w, int ow, float[] p, int po) {
        int k = kernel * kernel * in;
        for (int ox = 0; ox < ow; ox++, po += k) {
            int q = po;
            for (int ky = 0; ky < kernel; ky++) {
                int iy = oy * stride - pad + ky;
                for (int kx = 0; kx < kernel; kx++, q += in) {
                    int ix = ox * stride - pad + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) java.util.Arrays.fill(p, q, q + in, 0f);
                    else System.arraycopy(x, ((img * h + iy) * w + ix) * in, p, q, in);
                }
            }
        }
    }
}
