package dev.optin.engine;

/**
 * General matrix multiply, BLAS style, on row-major float arrays:
 * C[m×n] = op(A)[m×k] · op(B)[k×n]  (+ C when accumulate).
 * op(A) = A (stored m×k, row stride lda) or Aᵀ (stored k×m); op(B) = B (stored k×n) or Bᵀ (stored n×k).
 * Linear layers use transB (PyTorch weights are [out][in]).
 * Large products go to the packed Vector API kernel when the module is present; every
 * path splits work by rows of C only, so results do not depend on the thread count.
 */
public final class Gemm {
    private Gemm() {}

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        GemmKernels.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** Y[m×out] = X[m×in] · Wᵀ (+ bias), W stored [out][in]. */
    public static void linear(float[] x, int m, int in, float[] w, float[] bias, int out, float[] y) {
        gemm(false, true, m, out, in, x, 0, in, w, 0, in, y, 0, out, false);
        if (bias != null) addBias(y, m, out, bias);
    }

    static void addBias(float[] y, int m, int n, float[] bias) {
        for (int i = 0; i < m; i++) {
            int o = i * n;
            for (int j = 0; j < n; j++) y[o + j] += bias[j];
        }
    }
}
