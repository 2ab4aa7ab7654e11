package dev.optin.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A 2-D convolution (square kernel, zero padding, no groups or dilation) on channels-last
 * activations {@code [n][h][w][c]}, computed as im2col rows times a packed weight on the shared
 * GEMM kernel: each output pixel is one row {@code [ky][kx][ci]} of the patch matrix, so the
 * product is {@code Y[n·oh·ow × out] = patches · Wᵀ + bias}. A 1×1 stride-1 convolution reads
 * its input in place.
 * <p>
 * Output pixels whose window reaches into the padding are grouped into regions by the taps that
 * fall inside the image (a 3×3 convolution of a 2×2 map: four corners of 4 taps each; of a 1×1
 * map: the centre tap alone), and a region's patches and weights hold only those taps: the
 * multiply-adds with padding zeros are never done. Tap-restricted weights are packed once per
 * input size, within {@link #EXTRA_WEIGHTS}; regions past that budget run with all taps and zeros.
 * <p>
 * A forward pass is one parallel loop over tasks (region, chunk of {@link #CHUNK_ROWS} rows,
 * group of {@link #COLUMN_GROUP} output channels): each task builds its patches, multiplies
 * them on one thread and writes its rows out, adding the residual and applying ReLU on the way.
 * The tasks depend on the shapes only, every row goes through the vector kernel whatever its
 * product's size ({@link Gemm#linearRowwise}), and GEMM never splits a dot product, so results do
 * not depend on the thread count (nor on the batch size).
 */
public final class Conv2d {
    /** Patch-matrix elements per chunk of the backward pass (16 MB of floats). */
    static final int CHUNK_ELEMENTS = 4 << 20;
    /** Rows (output pixels) per forward task: a chunk of patches (at most 128 × 4,608 floats) stays in L2. */
    static final int CHUNK_ROWS = 128;
    /** Output channels per forward task: four 32-wide panels of the AVX-512 kernel. */
    static final int COLUMN_GROUP = 128;
    /** Floats of tap-restricted weights one convolution may pack for one input size (32 MB). */
    static final long EXTRA_WEIGHTS = 8L << 20;
    /** Input sizes whose plans a convolution keeps. */
    private static final int PLANS = 8;

    private final int out, in, kernel, stride, pad;
    private final float[] bias;
    private final float[] weight;   // [out][ky][kx][in]
    private final Gemm.PackedLinear[] full;   // the weight with all taps, per column group
    private final float[][] groupBias;
    private final Map<Long, Plan> plans = new ConcurrentHashMap<>();
    private final long extraWeights;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * @param torchWeight PyTorch layout {@code [out][in][k][k]}
     * @param bias        per output channel, or null
     */
    public Conv2d(float[] torchWeight, float[] bias, int out, int in, int kernel, int stride, int pad) {
        this(torchWeight, bias, out, in, kernel, stride, pad, EXTRA_WEIGHTS);
    }

    /** With a budget of tap-restricted weights other than {@link #EXTRA_WEIGHTS} (tests: 0 runs every pixel with all taps). */
    Conv2d(float[] torchWeight, float[] bias, int out, int in, int kernel, int stride, int pad, long extraWeights) {
        this.extraWeights = extraWeights;
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
        int groups = (out + COLUMN_GROUP - 1) / COLUMN_GROUP;
        this.groupBias = new float[groups][];
        for (int g = 0; g < groups; g++) {
            int g0 = g * COLUMN_GROUP, g1 = Math.min(out, g0 + COLUMN_GROUP);
            groupBias[g] = bias == null ? null : Arrays.copyOfRange(bias, g0, g1);
        }
        this.full = packTaps(0, kernel, 0, kernel);
    }

    public int out() { return out; }
    public int in() { return in; }
    public int kernel() { return kernel; }
    public int stride() { return stride; }
    public int pad() { return pad; }

    public int outSize(int size) { return (size + 2 * pad - kernel) / stride + 1; }

    /** Y [n][oh][ow][out] of X [n][h][w][in]. */
    public float[] forward(float[] x, int n, int h, int w) { return forward(x, n, h, w, null, false); }

    /**
     * Y = conv(X) + bias (+ residual, [n][oh][ow][out], may be null), then ReLU when relu: a residual
     * block's add and activation, applied to each output row as it is written.
     */
    public float[] forward(float[] x, int n, int h, int w, float[] residual, boolean relu) {
        if (x.length < (long) n * h * w * in) throw new IllegalArgumentException("input has " + x.length + " values, expected " + n + "x" + h + "x" + w + "x" + in);
        int oh = outSize(h), ow = outSize(w);
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException("input " + h + "x" + w + " is smaller than the " + kernel + "x" + kernel + " kernel");
        float[] y = new float[n * oh * ow * out];
        if (residual != null && residual.length != y.length)
            throw new IllegalArgumentException("residual has " + residual.length + " values, the convolution's output " + y.length);
        if (n == 0) return y;
        Plan p = plan(h, w);
        int groups = full.length, tasks = 0;
        int[] first = new int[p.regions.length + 1];   // first task of each region
        for (int r = 0; r < p.regions.length; r++) {
            first[r] = tasks;
            tasks += chunks(n * p.regions[r].pixels.length) * groups;
        }
        first[p.regions.length] = tasks;
        Parallel.forEach(tasks, t -> {
            int r = 0;
            while (t >= first[r + 1]) r++;
            int local = t - first[r], chunk = local / groups, g = local % groups;
            task(p.regions[r], chunk, g, x, n, h, w, ow * oh, y, residual, relu);
        });
        return y;
    }

    private static int chunks(int rows) { return (rows + CHUNK_ROWS - 1) / CHUNK_ROWS; }

    /** Rows [chunk·CHUNK_ROWS, …) of region rg, output channels of column group g. */
    private void task(Region rg, int chunk, int g, float[] x, int n, int h, int w, int ohw, float[] y, float[] residual, boolean relu) {
        int np = rg.pixels.length, rows = n * np;
        int r0 = chunk * CHUNK_ROWS, m = Math.min(CHUNK_ROWS, rows - r0);
        int g0 = g * COLUMN_GROUP, gw = Math.min(out, g0 + COLUMN_GROUP) - g0;
        float[][] s = SCRATCH.get();
        float[] c = scratch(s, 1, m * gw);
        if (rg.k == 0) {   // every tap in the padding: the bias alone
            for (int i = 0; i < m; i++) {
                if (bias != null) System.arraycopy(bias, g0, c, i * gw, gw);
                else Arrays.fill(c, i * gw, (i + 1) * gw, 0f);
            }
        } else if (rg.direct) {   // 1×1, stride 1: the rows of X are the patches, one region of all pixels in order
            Gemm.linearRowwise(x, r0 * in, m, rg.weights[g], groupBias[g], c, 0);
        } else {
            float[] a = scratch(s, 0, m * rg.k);
            int ow = outSize(w);
            for (int i = 0; i < m; i++) {
                int row = r0 + i, img = row / np, pix = rg.pixels[row % np];
                im2col(x, img, pix / ow, pix % ow, h, w, rg.ky0, rg.ky1, rg.kx0, rg.kx1, a, i * rg.k);
            }
            Gemm.linearRowwise(a, 0, m, rg.weights[g], groupBias[g], c, 0);
        }
        for (int i = 0; i < m; i++) {
            int row = r0 + i, img = row / np;
            int dst = (img * ohw + rg.pixels[row % np]) * out + g0, src = i * gw;
            if (residual != null) for (int j = 0; j < gw; j++) c[src + j] += residual[dst + j];
            if (relu) for (int j = 0; j < gw; j++) y[dst + j] = Math.max(c[src + j], 0f);
            else System.arraycopy(c, src, y, dst, gw);
        }
    }

    private static float[] scratch(float[][] s, int i, int length) {
        if (s[i].length < length) s[i] = new float[Math.max(length, s[i].length * 2)];
        return s[i];
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

    /** The patch matrix [n·oh·ow][kernel·kernel·in] (columns [ky][kx][in], zeros in the padding). */
    public float[] patches(float[] x, int n, int h, int w) {
        int oh = outSize(h), ow = outSize(w), k = kernel * kernel * in;
        float[] p = new float[n * oh * ow * k];
        Parallel.forEach(n * oh, r -> {
            for (int ox = 0; ox < ow; ox++) im2col(x, r / oh, r % oh, ox, h, w, 0, kernel, 0, kernel, p, (r * ow + ox) * k);
        });
        return p;
    }

    /**
     * The patch of output pixel (oy, ox) of image img over taps [ky0, ky1) × [kx0, kx1), as one row
     * [ky][kx][in] at p[q…]; taps outside the image are zeros. Channels-last, the taps of one kernel
     * row are adjacent in X, so each kernel row is one copy.
     */
    private void im2col(float[] x, int img, int oy, int ox, int h, int w, int ky0, int ky1, int kx0, int kx1, float[] p, int q) {
        int nk = kx1 - kx0, span = nk * in, ix0 = ox * stride - pad + kx0;
        int lo = Math.min(nk, Math.max(0, -ix0)), hi = Math.max(lo, Math.min(nk, w - ix0));
        for (int ky = ky0; ky < ky1; ky++, q += span) {
            int iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= h) { Arrays.fill(p, q, q + span, 0f); continue; }
            if (lo > 0) Arrays.fill(p, q, q + lo * in, 0f);
            if (hi > lo) System.arraycopy(x, ((img * h + iy) * w + ix0 + lo) * in, p, q + lo * in, (hi - lo) * in);
            if (hi < nk) Arrays.fill(p, q + hi * in, q + span, 0f);
        }
    }

    /** The taps [ky0, ky1) × [kx0, kx1) of the weight, [out][ky][kx][in], packed per column group. */
    private Gemm.PackedLinear[] packTaps(int ky0, int ky1, int kx0, int kx1) {
        int k = (ky1 - ky0) * (kx1 - kx0) * in, span = (kx1 - kx0) * in;
        Gemm.PackedLinear[] r = new Gemm.PackedLinear[groupBias.length];
        if (k == 0) return r;
        for (int g = 0; g < r.length; g++) {
            int g0 = g * COLUMN_GROUP, gw = Math.min(out, g0 + COLUMN_GROUP) - g0;
            float[] wg = new float[gw * k];
            for (int o = 0; o < gw; o++)
                for (int ky = ky0; ky < ky1; ky++)
                    System.arraycopy(weight, (((g0 + o) * kernel + ky) * kernel + kx0) * in, wg, o * k + (ky - ky0) * span, span);
            r[g] = Gemm.pack(wg, gw, k);
        }
        return r;
    }

    /** Output pixels (oy·ow + ox, ascending) that share the taps [ky0, ky1) × [kx0, kx1) inside the image, and their weights. */
    private record Region(int ky0, int ky1, int kx0, int kx1, int k, int[] pixels, Gemm.PackedLinear[] weights, boolean direct) {}

    /** The regions of one input size: every output pixel in exactly one. */
    private record Plan(Region[] regions) {}

    private Plan plan(int h, int w) {
        long key = (long) h << 32 | w;
        Plan p = plans.get(key);
        if (p == null) {
            if (plans.size() >= PLANS) plans.clear();
            p = plans.computeIfAbsent(key, q -> buildPlan(h, w));
        }
        return p;
    }

    /** Taps [lo, hi) of one axis that read inside an input of this size, for output position o. */
    private int[] taps(int o, int size) {
        int start = o * stride - pad;
        return new int[] {Math.max(0, -start), Math.min(kernel, size - start)};
    }

    private Plan buildPlan(int h, int w) {
        int oh = outSize(h), ow = outSize(w), fullK = kernel * kernel * in;
        if (kernel == 1 && stride == 1 && pad == 0) {
            int[] all = new int[oh * ow];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return new Plan(new Region[] {new Region(0, 1, 0, 1, in, all, full, true)});
        }
        Map<Long, List<Integer>> ys = classes(oh, h), xs = classes(ow, w);
        record Candidate(int ky0, int ky1, int kx0, int kx1, int[] pixels) {
            int k(int in) { return (ky1 - ky0) * (kx1 - kx0) * in; }
        }
        List<Candidate> reduced = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();   // pixels computed with all taps
        for (Map.Entry<Long, List<Integer>> ye : ys.entrySet())
            for (Map.Entry<Long, List<Integer>> xe : xs.entrySet()) {
                int ky0 = (int) (ye.getKey() >> 32), ky1 = (int) (long) ye.getKey(), kx0 = (int) (xe.getKey() >> 32), kx1 = (int) (long) xe.getKey();
                List<Integer> px = new ArrayList<>();
                for (int oy : ye.getValue()) for (int ox : xe.getValue()) px.add(oy * ow + ox);
                if (ky0 == 0 && ky1 == kernel && kx0 == 0 && kx1 == kernel) rest.addAll(px);
                else reduced.add(new Candidate(ky0, Math.max(ky0, ky1), kx0, Math.max(kx0, kx1), px.stream().mapToInt(Integer::intValue).toArray()));
            }
        // the most multiply-adds saved per packed float first, within the budget
        reduced.sort((a, b) -> Double.compare((double) b.pixels.length * (fullK - b.k(in)) / Math.max(1, b.k(in)),
                (double) a.pixels.length * (fullK - a.k(in)) / Math.max(1, a.k(in))));
        List<Region> regions = new ArrayList<>();
        long budget = extraWeights;
        for (Candidate c : reduced) {
            long cost = (long) c.k(in) * out;
            if (cost <= budget) {
                budget -= cost;
                regions.add(new Region(c.ky0, c.ky1, c.kx0, c.kx1, c.k(in), c.pixels, packTaps(c.ky0, c.ky1, c.kx0, c.kx1), false));
            } else {
                for (int px : c.pixels) rest.add(px);
            }
        }
        if (!rest.isEmpty())
            regions.add(new Region(0, kernel, 0, kernel, fullK, rest.stream().mapToInt(Integer::intValue).sorted().toArray(), full, false));
        return new Plan(regions.toArray(Region[]::new));
    }

    /** Output positions of one axis grouped by their taps inside the input (key lo << 32 | hi), in order. */
    private Map<Long, List<Integer>> classes(int outSize, int size) {
        Map<Long, List<Integer>> m = new LinkedHashMap<>();
        for (int o = 0; o < outSize; o++) {
            int[] t = taps(o, size);
            int lo = Math.min(t[0], kernel), hi = Math.max(lo, t[1]);
            m.computeIfAbsent((long) lo << 32 | hi, q -> new ArrayList<>()).add(o);
        }
        return m;
    }
}
