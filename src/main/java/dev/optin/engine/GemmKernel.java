package dev.optin.engine;

/** A GEMM implementation behind {@link Gemm}: C = op(A)·op(B) (+ bias per column) (+ C). */
interface GemmKernel {
    /** bias (per column of C, may be null) is only used when accumulate is false. */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate, float[] bias);
}
