package dev.optin.engine;

/** Element-wise and row-wise operations of a transformer layer, with the backward passes needed for mask gradients. */
public final class Ops {
    private Ops() {}

    /**
     * Row-wise layer norm: y = (x - mean) / sqrt(var + eps) * gamma + beta over rows of width d.
     * When invStd is not null it receives 1/sqrt(var+eps) per row (for the backward pass);
     * statistics are accumulated in double so results match reference runtimes closely.
     */
    public static void layerNorm(float[] x, float[] y, int rows, int d, float[] gamma, float[] beta, float eps, float[] invStd) {
        addLayerNorm(x, null, y, rows, d, gamma, beta, eps, invStd);
    }

    /**
     * y = layerNorm(x + residual) (residual may be null), the sum formed row by row inside the
     * parallel loop instead of in a separate pass; x + residual is stored in x. y may be x.
     */
    public static void addLayerNorm(float[] x, float[] residual, float[] y, int rows, int d, float[] gamma, float[] beta, float eps, float[] invStd) {
        Parallel.forEach((rows + 63) / 64, blk -> {
            int r1 = Math.min(rows, blk * 64 + 64);
            for (int r = blk * 64; r < r1; r++) {
                float inv = MATH.addLayerNorm(x, residual, y, r * d, d, gamma, beta, eps);
                if (invStd != null) invStd[r] = inv;
            }
        });
    }

    /** {@link #addLayerNorm} on rows [r0, r1) only, on the calling thread (for callers that already split rows across threads). */
    public static void addLayerNormRows(float[] x, float[] residual, float[] y, int r0, int r1, int d, float[] gamma, float[] beta, float eps) {
        for (int r = r0; r < r1; r++) MATH.addLayerNorm(x, residual, y, r * d, d, gamma, beta, eps);
    }

    /**
     * Backward of layer norm given its output y (so x-hat = (y - beta)/gamma need not be stored):
     * dx = inv * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma.
     */
    public static void layerNormBackward(float[] dy, float[] y, int rows, int d, float[] gamma, float[] beta, float[] invStd, float[] dx) {
        Parallel.forEach((rows + 63) / 64, blk -> {
            int r1 = Math.min(rows, blk * 64 + 64);
            float[] xhat = new float[d];
            for (int r = blk * 64; r < r1; r++) {
                int o = r * d;
                double sg = 0, sgx = 0;
                for (int j = 0; j < d; j++) {
                    float g = dy[o + j] * gamma[j];
                    float xh = gamma[j] != 0f ? (y[o + j] - beta[j]) / gamma[j] : 0f;
                    xhat[j] = xh;
                    sg += g; sgx += g * xh;
                }
                float mg = (float) (sg / d), mgx = (float) (sgx / d), inv = invStd[r];
                for (int j = 0; j < d; j++) dx[o + j] = inv * (dy[o + j] * gamma[j] - mg - xhat[j] * mgx);
            }
        });
    }

    /** Exact GELU, x·Φ(x), as BERT's "gelu". */
    public static float gelu(float x) { return (float) (0.5 * x * (1.0 + erf(x / Math.sqrt(2.0)))); }

    /** d/dx of exact GELU: Φ(x) + x·φ(x). */
    public static float geluGrad(float x) {
        double cdf = 0.5 * (1.0 + erf(x / Math.sqrt(2.0)));
        double pdf = Math.exp(-0.5 * (double) x * x) / Math.sqrt(2 * Math.PI);
        return (float) (cdf + x * pdf);
    }

    /** Tanh approximation ("gelu_new", "gelu_pytorch_tanh"). */
    public static float geluTanh(float x) {
        double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        return (float) (0.5 * x * (1 + Math.tanh(u)));
    }

    public static float geluTanhGrad(float x) {
        double c = Math.sqrt(2 / Math.PI);
        double u = c * (x + 0.044715 * x * x * x);
        double t = Math.tanh(u);
        return (float) (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x));
    }

    /**
     * erf in double precision (W. J. Cody's rational approximations as in many libms are
     * long; this uses the complementary-error-function series of Numerical Recipes with
     * fractional error below 1.2e-7, ample for float activations).
     */
    public static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - ans : ans - 1.0;
    }

    /** In-place softmax of s[off..off+n). */
    public static void softmaxRow(float[] s, int off, int n) { softmaxRow(s, off, n, 1f); }

    /** In-place softmax of scale·s[off..off+n) (scale > 0; attention folds 1/√d here). */
    public static void softmaxRow(float[] s, int off, int n, float scale) {
        if (n <= 0) return;
        MATH.softmax(s, off, n, scale);
    }

    /**
     * Bulk exact GELU: dst[dOff+i] = gelu(src[so+i]) · gate[i] (gate may be null) for i in [0, n).
     * Vectorised when the Vector API is present (within 1e-6·max(1,|x|) of {@link #gelu(float)}).
     */
    public static void gelu(float[] src, int so, float[] gate, float[] dst, int dOff, int n) {
        MATH.gelu(src, so, gate, 0, dst, dOff, n);
    }

    /** As above with the gate read from gate[gOff..gOff+n). */
    static void gelu(float[] src, int so, float[] gate, int gOff, float[] dst, int dOff, int n) {
        MATH.gelu(src, so, gate, gOff, dst, dOff, n);
    }

    /** In-place GELU (times gate[gOff+j]) of a rows×n tile of c with row stride ldc; same values as {@link #gelu}. */
    static void geluTile(float[] c, int co, int ldc, int rows, float[] gate, int gOff, int n) {
        MATH.geluTile(c, co, ldc, rows, gate, gOff, n);
    }

    /**
     * Bulk derivative of exact GELU: dst[dOff+i] = gelu'(src[so+i]). Vectorised when the Vector
     * API is present (float arithmetic, within about 1e-6 of {@link #geluGrad(float)}).
     */
    public static void geluGrad(float[] src, int so, float[] dst, int dOff, int n) {
        MATH.geluGrad(src, so, dst, dOff, n);
    }

    /**
     * dst[so+i] = gelu(src[so+i]), the values of {@link #gelu(float[], int, float[], float[], int, int)} without a gate,
     * keeping in cdf[so+i] the Φ(x) that {@link #geluGradFromCdf} reuses instead of computing it again.
     */
    public static void geluWithCdf(float[] src, int so, float[] dst, float[] cdf, int n) {
        MATH.geluWithCdf(src, so, dst, cdf, n);
    }

    /** The values of {@link #geluGrad} for src[so..so+n), from the cdf a {@link #geluWithCdf} of the same row kept. */
    public static void geluGradFromCdf(float[] src, float[] cdf, int so, float[] dst, int dOff, int n) {
        MATH.geluGradFromCdf(src, cdf, so, dst, dOff, n);
    }

    /*
     * The layer norm's statistics, shared by the scalar and the vector kernel (which runs them on the tail past its
     * last full vector): four partial sums in double, element j into s[j % 4], in order of j, then ((s0 + s1) + (s2 + s3)).
     * One chain of dependent double adds was most of the layer norm's time; the vector kernel keeps exactly this order
     * (four double lanes), so both give the same bits.
     */

    /** Adds x[o+j] for j from `from` to d into s[j % 4] (from is a multiple of 4). */
    static int sums(float[] x, int o, int d, int from, double[] s) {
        double s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
        int j = from;
        for (; j + 3 < d; j += 4) { s0 += x[o + j]; s1 += x[o + j + 1]; s2 += x[o + j + 2]; s3 += x[o + j + 3]; }
        for (; j < d; j++) s0 += x[o + j];
        s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
        return j;
    }

    /** Adds (x[o+j] - mean)² for j from `from` to d into s[j % 4], as {@link #sums}. */
    static void squares(float[] x, int o, int d, int from, double mean, double[] s) {
        double v0 = s[0], v1 = s[1], v2 = s[2], v3 = s[3];
        int j = from;
        for (; j + 3 < d; j += 4) {
            double t0 = x[o + j] - mean, t1 = x[o + j + 1] - mean, t2 = x[o + j + 2] - mean, t3 = x[o + j + 3] - mean;
            v0 += t0 * t0; v1 += t1 * t1; v2 += t2 * t2; v3 += t3 * t3;
        }
        for (; j < d; j++) { double t = x[o + j] - mean; v0 += t * t; }
        s[0] = v0; s[1] = v1; s[2] = v2; s[3] = v3;
    }

    /** y[o+j] = (x[o+j] - mean)·inv·gamma[j] + beta[j] for j from `from` to d, in float; returns inv = 1/√(var + eps). */
    static float normalize(float[] x, float[] y, int o, int d, int from, float[] gamma, float[] beta, float eps, double mean, double var) {
        float inv = inverseStd(var, eps), mu = (float) mean;
        for (int j = from; j < d; j++) y[o + j] = (x[o + j] - mu) * inv * gamma[j] + beta[j];
        return inv;
    }

    static float inverseStd(double var, float eps) { return (float) (1.0 / Math.sqrt(var + eps)); }

    private static final MathKernel MATH = VectorSupport.MATH != null ? VectorSupport.MATH : new PlainMath();

    /** See {@link MathKernel#addColumnSquares}. */
    public static void addColumnSquares(float[] x, int rows, int width, int j0, int j1, double[] s) {
        MATH.addColumnSquares(x, rows, width, j0, j1, s);
    }

    /** See {@link MathKernel#subtractScaled}: y[yo + i] −= f · x[xo + i], the same bits with or without the Vector API. */
    public static void subtractScaled(double[] y, int yo, double f, double[] x, int xo, int n) {
        MATH.subtractScaled(y, yo, f, x, xo, n);
    }

    /** The scalar loop of {@link MathKernel#subtractScaled} from index i on (the vector kernel's tail too). */
    static void subtractScaledPlain(double[] y, int yo, double f, double[] x, int xo, int i, int n) {
        for (; i < n; i++) y[yo + i] -= f * x[xo + i];
    }

    /** The scalar loop of {@link MathKernel#addColumnSquares} (the vector kernel's tail columns too). */
    static void addColumnSquaresPlain(float[] x, int rows, int width, int j0, int j1, double[] s) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            for (int j = j0; j < j1; j++) { double v = x[o + j]; s[j] += v * v; }
        }
    }

    /** Scalar versions, used without the Vector API. */
    static final class PlainMath implements MathKernel {
        @Override
        public void subtractScaled(double[] y, int yo, double f, double[] x, int xo, int n) { subtractScaledPlain(y, yo, f, x, xo, 0, n); }

        @Override
        public void addColumnSquares(float[] x, int rows, int width, int j0, int j1, double[] s) {
            addColumnSquaresPlain(x, rows, width, j0, j1, s);
        }

        @Override public void gelu(float[] src, int so, float[] gate, int gOff, float[] dst, int dOff, int n) {
            for (int i = 0; i < n; i++) dst[dOff + i] = Ops.gelu(src[so + i]) * (gate == null ? 1f : gate[gOff + i]);
        }

        @Override public void geluTile(float[] c, int co, int ldc, int rows, float[] gate, int gOff, int n) {
            for (int r = 0; r < rows; r++) gelu(c, co + r * ldc, gate, gOff, c, co + r * ldc, n);
        }

        @Override public void geluGrad(float[] src, int so, float[] dst, int dOff, int n) {
            for (int i = 0; i < n; i++) dst[dOff + i] = Ops.geluGrad(src[so + i]);
        }

        @Override public void geluWithCdf(float[] src, int so, float[] dst, float[] cdf, int n) {
            gelu(src, so, null, 0, dst, so, n);   // the scalar derivative needs no Φ
        }

        @Override public void geluGradFromCdf(float[] src, float[] cdf, int so, float[] dst, int dOff, int n) {
            geluGrad(src, so, dst, dOff, n);
        }

        @Override public float addLayerNorm(float[] x, float[] residual, float[] y, int o, int d, float[] gamma, float[] beta, float eps) {
            if (residual != null) for (int i = 0; i < d; i++) x[o + i] += residual[o + i];
            double[] s = {0, 0, 0, 0};
            int j = sums(x, o, d, 0, s);
            double mean = ((s[0] + s[1]) + (s[2] + s[3])) / d;
            java.util.Arrays.fill(s, 0);
            squares(x, o, d, 0, mean, s);
            return normalize(x, y, o, d, 0, gamma, beta, eps, mean, ((s[0] + s[1]) + (s[2] + s[3])) / d);
        }

        @Override public void softmax(float[] s, int off, int n, float scale) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, s[off + j]);
            float shift = -max * scale, sum = 0f;
            for (int j = 0; j < n; j++) { float e = (float) Math.exp(s[off + j] * scale + shift); s[off + j] = e; sum += e; }
            float inv = 1f / sum;
            for (int j = 0; j < n; j++) s[off + j] *= inv;
        }
    }
}
