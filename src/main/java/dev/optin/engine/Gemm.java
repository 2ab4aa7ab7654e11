package dev.optin.engine;

/**
 * General matrix multiply, BLAS style, on row-major float arrays:
 * C[m×n] = op(A)[m×k] · op(B)[k×n]  (+ C when accumulate).
 * op(A) = A (stored m×k, row stride lda) or Aᵀ (stored k×m); op(B) = B (stored k×n) or Bᵀ (stored n×k).
 * Linear layers use transB (PyTorch weights are [out][in]).
 * Products go to the packed Vector API kernel ({@link VectorGemm}) when the module is present,
 * tiny ones to the plain-Java kernels. The path depends on the sizes only, and neither path
 * splits a dot product across threads, so results do not depend on the thread count.
 */
public final class Gemm {
    private Gemm() {}

    /** Products with fewer multiply-adds than this skip packing (plain loops win there). */
    static final long VECTOR_MIN_WORK = 4096;

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate) {
        run(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, null);
    }

    /** Column block of {@link #symmetric}: a multiple of every kernel's column panel. */
    static final int SYMMETRIC_BLOCK = 128;

    /**
     * C[n×n] = A·Aᵀ (A stored n×k) or, with trans, Aᵀ·A (A stored k×n), for about half the work of
     * {@link #gemm}: column blocks compute only the rows up to their own diagonal, then the upper
     * triangle is mirrored. Bit-identical to the full product (each element is the same sequence of
     * multiply-adds; a·b = b·a exactly).
     */
    public static void symmetric(boolean trans, int n, int k, float[] a, int aOff, int lda, float[] c) {
        symmetricUpper(trans, n, k, a, aOff, lda, c);
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) c[j * n + i] = c[i * n + j];
    }

    /**
     * {@link #symmetric}'s upper triangle (c[i·n + j] for i ≤ j, the same bits) without the mirroring: entries below
     * the diagonal are undefined. For callers that accumulate many products and mirror the sum once (the mirror's
     * column-strided stores cost as much as a small product's arithmetic).
     */
    public static void symmetricUpper(boolean trans, int n, int k, float[] a, int aOff, int lda, float[] c) {
        for (int j0 = 0; j0 < n; j0 += SYMMETRIC_BLOCK) {
            // the last block takes the remainder, so no block is small enough to take another kernel path
            int bw = n - j0 < 2 * SYMMETRIC_BLOCK ? n - j0 : SYMMETRIC_BLOCK, rows = j0 + bw;
            if (trans) gemm(true, false, rows, bw, k, a, aOff, lda, a, aOff + j0, lda, c, j0, n, false);
            else gemm(false, true, rows, bw, k, a, aOff, lda, a, aOff + j0 * lda, lda, c, j0, n, false);
            if (bw > SYMMETRIC_BLOCK) break;
        }
    }

    /** Tile of {@link #transpose}: a 16×16 block of floats is 1 KiB, so its rows and columns both stay in L1. */
    private static final int TRANSPOSE_TILE = 16;

    /**
     * dst[cols×rows] = srcᵀ, src stored rows×cols row-major. Products that would read A transposed call this once
     * and then read dst in row order: packing a transposed operand gathers one float per row of src, and a product
     * split into column blocks (as {@link #symmetricUpper}) packs A once per block.
     */
    public static void transpose(float[] src, int rows, int cols, float[] dst) {
        if (src.length < (long) rows * cols || dst.length < (long) rows * cols)
            throw new IllegalArgumentException("transpose of " + rows + "×" + cols + " needs " + (long) rows * cols + " values");
        for (int i0 = 0; i0 < rows; i0 += TRANSPOSE_TILE) {
            int i1 = Math.min(rows, i0 + TRANSPOSE_TILE);
            for (int j0 = 0; j0 < cols; j0 += TRANSPOSE_TILE) {
                int j1 = Math.min(cols, j0 + TRANSPOSE_TILE);
                for (int i = i0; i < i1; i++) {
                    int s = i * cols;
                    for (int j = j0; j < j1; j++) dst[j * rows + i] = src[s + j];
                }
            }
        }
    }

    /** Y[m×out] = X[m×in] · Wᵀ (+ bias), W stored [out][in]. */
    public static void linear(float[] x, int m, int in, float[] w, float[] bias, int out, float[] y) {
        run(false, true, m, out, in, x, 0, in, w, 0, in, y, 0, out, false, bias);
    }

    /**
     * A weight matrix W [out][in] prepared once for many products Y = X·Wᵀ: packed into the
     * vector kernel's panel layout, so linear layers skip re-packing their weights on every call.
     * Results are bit-identical to {@link #linear(float[], int, int, float[], float[], int, float[])}.
     * W must not be modified afterwards (the packed copy would go stale).
     */
    public static final class PackedLinear {
        final float[] w;
        final int out, in;
        final Object packed; // null without the vector kernel

        private PackedLinear(float[] w, int out, int in, Object packed) { this.w = w; this.out = out; this.in = in; this.packed = packed; }

        public int out() { return out; }
        public int in() { return in; }
    }

    public static PackedLinear pack(float[] w, int out, int in) {
        if (w.length < (long) out * in) throw new IllegalArgumentException("weight has " + w.length + " values, expected " + out + "×" + in);
        Object p = VectorSupport.GEMM != null && out > 0 && in > 0 ? VectorSupport.GEMM.prepack(true, out, in, w, 0, in) : null;
        return new PackedLinear(w, out, in, p);
    }

    /**
     * A right operand B [k×n] (row-major, not transposed) prepared once for many products C = A·B, as a
     * backward pass multiplies gradients by the weights of a linear layer (W [out][in] is B with k = out, n = in).
     * Results are bit-identical to {@link #gemm} with transA = transB = false. B must not be modified afterwards.
     */
    public static final class PackedRight {
        final float[] b;
        final int k, n;
        final Object packed; // null without the vector kernel

        private PackedRight(float[] b, int k, int n, Object packed) { this.b = b; this.k = k; this.n = n; this.packed = packed; }
    }

    public static PackedRight packRight(float[] b, int k, int n) {
        if (b.length < (long) k * n) throw new IllegalArgumentException("matrix has " + b.length + " values, expected " + k + "×" + n);
        Object p = VectorSupport.GEMM != null && k > 0 && n > 0 ? VectorSupport.GEMM.prepack(false, n, k, b, 0, n) : null;
        return new PackedRight(b, k, n, p);
    }

    /** C[m×n] (at cOff, row stride ldc) = A[m×k] (at aOff, row stride lda) · B (+ C when accumulate), B packed. */
    public static void gemm(int m, float[] a, int aOff, int lda, PackedRight b, float[] c, int cOff, int ldc, boolean accumulate) {
        if (b.packed == null || m == 0 || (long) m * b.n * b.k < VECTOR_MIN_WORK) {
            run(false, false, m, b.n, b.k, a, aOff, lda, b.b, 0, b.n, c, cOff, ldc, accumulate, null);
            return;
        }
        VectorSupport.GEMM.gemmPrepacked(false, m, b.n, b.k, a, aOff, lda, b.packed, c, cOff, ldc, accumulate, null, false, null);
    }

    /** Y[m×out] = X[m×in] · Wᵀ (+ bias) with a packed W. */
    public static void linear(float[] x, int m, PackedLinear w, float[] bias, float[] y) {
        long work = (long) m * w.out * w.in;
        if (w.packed == null || m == 0 || work < VECTOR_MIN_WORK) {
            linear(x, m, w.in, w.w, bias, w.out, y);
            return;
        }
        VectorSupport.GEMM.gemmPrepacked(false, m, w.out, w.in, x, 0, w.in, w.packed, y, 0, w.out, false, bias, false, null);
    }

    /** Y[yOff…][m×out] = X[xOff…][m×in] · Wᵀ (+ bias) with a packed W: rows of a larger buffer. */
    public static void linear(float[] x, int xOff, int m, PackedLinear w, float[] bias, float[] y, int yOff) {
        long work = (long) m * w.out * w.in;
        if (w.packed == null || m == 0 || work < VECTOR_MIN_WORK) {
            run(false, true, m, w.out, w.in, x, xOff, w.in, w.w, 0, w.in, y, yOff, w.out, false, bias);
            return;
        }
        VectorSupport.GEMM.gemmPrepacked(false, m, w.out, w.in, x, xOff, w.in, w.packed, y, yOff, w.out, false, bias, false, null);
    }

    /**
     * As {@link #linear(float[], int, int, PackedLinear, float[], float[], int)}, but on the vector kernel whatever the
     * product's size (when the kernel is present): each row of Y is then the same sequence of multiply-adds however
     * the rows are split into products, so callers may chunk rows freely without changing a bit.
     */
    public static void linearRowwise(float[] x, int xOff, int m, PackedLinear w, float[] bias, float[] y, int yOff) {
        if (m == 0) return;
        if (w.packed == null) {
            run(false, true, m, w.out, w.in, x, xOff, w.in, w.w, 0, w.in, y, yOff, w.out, false, bias);
            return;
        }
        VectorSupport.GEMM.gemmPrepacked(false, m, w.out, w.in, x, xOff, w.in, w.packed, y, yOff, w.out, false, bias, false, null);
    }

    /**
     * Y[m×out] = gelu(X·Wᵀ + bias) · gate[column] (gate may be null), exact GELU applied to each
     * output tile while it is in cache instead of in a separate pass over Y.
     */
    public static void linearGelu(float[] x, int m, PackedLinear w, float[] bias, float[] gate, float[] y) {
        linearGelu(x, 0, m, w, bias, gate, y, 0);
    }

    /** As {@link #linearGelu(float[], int, PackedLinear, float[], float[], float[])} on rows of larger buffers: X at xOff, Y at yOff. */
    public static void linearGelu(float[] x, int xOff, int m, PackedLinear w, float[] bias, float[] gate, float[] y, int yOff) {
        long work = (long) m * w.out * w.in;
        if (w.packed == null || m == 0 || work < VECTOR_MIN_WORK) {
            linear(x, xOff, m, w, bias, y, yOff);
            for (int r = 0; r < m; r++) Ops.gelu(y, yOff + r * w.out, gate, y, yOff + r * w.out, w.out);
            return;
        }
        VectorSupport.GEMM.gemmPrepacked(false, m, w.out, w.in, x, xOff, w.in, w.packed, y, yOff, w.out, false, bias, true, gate);
    }

    /**
     * Columns [j0, j1) of Y[m×out] = X[m×in]·Wᵀ + bias (gelu: then gelu(Y)·gate[column], as {@link #linearGelu}), on the
     * calling thread, for callers that split a product's columns over threads: each element comes out bit-identical to
     * the full product's (same kernel, chosen by the full product's size). j0 and j1 are multiples of
     * {@link #columnAlignment} (j1 may be out); the other columns of Y are not touched.
     */
    public static void linearColumns(float[] x, int xOff, int m, PackedLinear w, float[] bias, boolean gelu, float[] gate,
                                     float[] y, int yOff, int j0, int j1) {
        if (m == 0 || j1 <= j0) return;
        if (w.packed != null && (long) m * w.out * w.in >= VECTOR_MIN_WORK) {
            VectorSupport.GEMM.gemmPrepackedColumns(m, w.out, w.in, x, xOff, w.in, w.packed, y, yOff, w.out, bias, gelu, gate, j0, j1);
            return;
        }
        // the full product would take the plain kernel (or there is no other): its columns are independent dot products
        int n = j1 - j0;
        float[] b = bias == null ? null : java.util.Arrays.copyOfRange(bias, j0, j1);
        GemmKernels.PLAIN.gemm(false, true, m, n, w.in, x, xOff, w.in, w.w, j0 * w.in, w.in, y, yOff + j0, w.out, false, b);
        if (gelu) for (int r = 0; r < m; r++) Ops.gelu(y, yOff + r * w.out + j0, gate, j0, y, yOff + r * w.out + j0, n);
    }

    /** Where column ranges of {@link #linearColumns} on w may start: multiples of this. */
    public static int columnAlignment(PackedLinear w) {
        return w.packed != null ? VectorSupport.GEMM.columnAlignment(w.packed) : 1;
    }

    /**
     * parts + 1 column boundaries of w's output, multiples of {@link #columnAlignment} (the last is w.out), as even as
     * that allows; some parts may be empty.
     */
    public static int[] columnSplits(PackedLinear w, int parts) {
        int align = columnAlignment(w), n = w.out;
        int[] s = new int[parts + 1];
        for (int g = 1; g < parts; g++) s[g] = Math.min(n, Math.max(s[g - 1], (int) Math.round((double) n * g / parts / align) * align));
        s[parts] = n;
        return s;
    }

    /**
     * Whether products of m1 rows and of m2 rows (same n and k) take the same kernel, so that every
     * row of C comes out bit-identical whichever way the rows are split into products.
     */
    public static boolean sameKernel(long m1, long m2, int n, int k) {
        if (n == 0 || k == 0 || VectorSupport.GEMM == null) return true;
        return (m1 * n * k >= VECTOR_MIN_WORK) == (m2 * n * k >= VECTOR_MIN_WORK);
    }

    /** True when the Vector API kernels are in use (the module was added at startup). */
    public static boolean vectorized() { return VectorSupport.GEMM != null; }

    private static void run(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                int o = cOff + i * ldc;
                if (!accumulate) java.util.Arrays.fill(c, o, o + n, 0f);
                if (bias != null) for (int j = 0; j < n; j++) c[o + j] += bias[j];
            }
            return;
        }
        if (VectorSupport.GEMM == null) GemmKernels.PLAIN.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
        else if ((long) m * n * k >= VECTOR_MIN_WORK) VectorSupport.GEMM.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
        else VectorSupport.GEMM.gemmPlainBits(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
    }

    static void addBias(float[] y, int cOff, int ldc, int m, int n, float[] bias) {
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            for (int j = 0; j < n; j++) y[o + j] += bias[j];
        }
    }
}
