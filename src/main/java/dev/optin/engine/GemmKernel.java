package dev.optin.engine;

/** A GEMM implementation behind {@link Gemm}: C = op(A)·op(B) (+ bias per column) (+ C). */
interface GemmKernel {
    /** bias (per column of C, may be null) is only used when accumulate is false. */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate, float[] bias);

    /** op(B) [k×n] in this kernel's internal layout, for repeated products with the same B; null if the kernel has none. */
    default Object prepack(boolean transB, int n, int k, float[] b, int bOff, int ldb) { return null; }

    /**
     * Same as {@link #gemm} with B from {@link #prepack} (same results, bit for bit); with gelu, each
     * finished tile becomes gelu(C)·gate[column] (gate may be null) while it is still in cache.
     */
    default void gemmPrepacked(boolean transA, int m, int n, int k, float[] a, int aOff, int lda, Object packedB,
                               float[] c, int cOff, int ldc, boolean accumulate, float[] bias, boolean gelu, float[] gate) {
        throw new UnsupportedOperationException();
    }
}
