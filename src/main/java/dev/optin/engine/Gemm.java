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

    /** Y[m×out] = X[m×in] · Wᵀ (+ bias), W stored [out][in]. */
    public static void linear(float[] x, int m, int in, float[] w, float[] bias, int out, float[] y) {
        run(false, true, m, out, in, x, 0, in, w, 0, in, y, 0, out, false, bias);
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
        GemmKernel kernel = VectorSupport.GEMM != null && (long) m * n * k >= VECTOR_MIN_WORK ? VectorSupport.GEMM : GemmKernels.PLAIN;
        kernel.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
    }

    static void addBias(float[] y, int cOff, int ldc, int m, int n, float[] bias) {
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            for (int j = 0; j < n; j++) y[o + j] += bias[j];
        }
    }
}
