package dev.optin.engine;

/** Bulk element-wise functions of a transformer layer (vectorised when the Vector API is present). */
interface MathKernel {
    /** dst[do+i] = gelu(src[so+i]) * (gate == null ? 1 : gate[gOff+i]) for i in [0, n). */
    void gelu(float[] src, int so, float[] gate, int gOff, float[] dst, int dOff, int n);

    /**
     * In place on a tile of C: c[co + r·ldc + j] = gelu(c[...]) · gate[gOff+j] for r in [0, rows), j in [0, n);
     * the same values as {@link #gelu} row by row, for the GEMM's fused activation (one call per tile).
     */
    void geluTile(float[] c, int co, int ldc, int rows, float[] gate, int gOff, int n);

    /** dst[do+i] = gelu'(src[so+i]) = Φ(x) + x·φ(x) for i in [0, n). */
    void geluGrad(float[] src, int so, float[] dst, int dOff, int n);

    /**
     * dst[so+i] = gelu(src[so+i]) (the values of {@link #gelu} without a gate), and cdf[so+i] what
     * {@link #geluGradFromCdf} needs (the kernel's Φ(x); unspecified where the kernel needs none), for i in [0, n).
     */
    void geluWithCdf(float[] src, int so, float[] dst, float[] cdf, int n);

    /** The values of {@link #geluGrad} (same src, so and n), with Φ from a {@link #geluWithCdf} of the same call shape. */
    void geluGradFromCdf(float[] src, float[] cdf, int so, float[] dst, int dOff, int n);

    /**
     * One row of {@link Ops#addLayerNorm}: x[o..o+d) += residual[o..o+d) (residual may be null), then
     * y[o..o+d) = layerNorm(x[o..o+d)); returns 1/√(var + eps). Every kernel gives the same bits
     * (the statistics' summation order is fixed, see {@link Ops#sums}).
     */
    float addLayerNorm(float[] x, float[] residual, float[] y, int o, int d, float[] gamma, float[] beta, float eps);

    /** In-place softmax of s[off..off+n) after multiplying by scale. */
    void softmax(float[] s, int off, int n, float scale);

    /**
     * s[j] += Σ_r x[r·width + j]² for columns j in [j0, j1), rows r in [0, rows) in order, in double (each float widened,
     * squared and added: every kernel gives the same bits).
     */
    void addColumnSquares(float[] x, int rows, int width, int j0, int j1, double[] s);

    /**
     * y[yo + i] −= f · x[xo + i] for i in [0, n), in double: the product rounded, then the difference (no fused
     * multiply-add), so every kernel gives the bits of the scalar loop.
     */
    void subtractScaled(double[] y, int yo, double f, double[] x, int xo, int n);
}
