package dev.optin.engine;

/** A GEMM implementation behind {@link Gemm}: C = op(A)·op(B) (+ bias per column) (+ C). */
interface GemmKernel {
    /** bias (per column of C, may be null) is only used when accumulate is false. */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate, float[] bias);

    /**
     * The product with the arithmetic of {@link GemmKernels#PLAIN} (the same bits, B finite), which {@link Gemm} runs for
     * products too small for this kernel; a kernel may do it faster than the plain loops.
     */
    default void gemmPlainBits(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        GemmKernels.PLAIN.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
    }

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

    /**
     * Columns [j0, j1) of {@link #gemmPrepacked} (transA false, accumulate false), on the calling thread: every element
     * is bit-identical to that of the full product. j0 and j1 are multiples of {@link #columnAlignment} (j1 may be n).
     */
    default void gemmPrepackedColumns(int m, int n, int k, float[] a, int aOff, int lda, Object packedB, float[] c, int cOff, int ldc,
                                      float[] bias, boolean gelu, float[] gate, int j0, int j1) {
        throw new UnsupportedOperationException();
    }

    /** The column panel width of a {@link #prepack}ed B: column ranges of {@link #gemmPrepackedColumns} start at its multiples. */
    default int columnAlignment(Object packedB) { return 1; }
}
