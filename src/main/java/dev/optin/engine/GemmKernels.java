package dev.optin.engine;

/** Plain-Java reference kernels; split over rows of C in fixed blocks (deterministic). */
final class GemmKernels {
    private GemmKernels() {}

    static final int ROW_BLOCK = 16;

    /** The plain kernels as a {@link GemmKernel} (the fallback without the Vector API). */
    static final GemmKernel PLAIN = (transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias) -> {
        gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        if (bias != null) Gemm.addBias(c, cOff, ldc, m, n, bias);
    };

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        long work = (long) m * n * k;
        int blocks = (m + ROW_BLOCK - 1) / ROW_BLOCK;
        if (work < 64 * 64 * 64 || blocks == 1) {
            rows(transA, transB, 0, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        Parallel.forEach(blocks, blk -> {
            int i0 = blk * ROW_BLOCK, i1 = Math.min(m, i0 + ROW_BLOCK);
            rows(transA, transB, i0, i1, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        });
    }

    static void rows(boolean transA, boolean transB, int i0, int i1, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        float[] arow = new float[k];
        for (int i = i0; i < i1; i++) {
            for (int p = 0; p < k; p++) arow[p] = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            int co = cOff + i * ldc;
            if (!accumulate) java.util.Arrays.fill(c, co, co + n, 0f);
            if (transB) {
                // four columns at a time: four independent sums (each still in p order, so the same bits) instead of one
                // chain of dependent adds
                int j = 0;
                for (; j + 4 <= n; j += 4) {
                    int b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
                    float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                    for (int p = 0; p < k; p++) {
                        float av = arow[p];
                        s0 += av * b[b0 + p]; s1 += av * b[b1 + p]; s2 += av * b[b2 + p]; s3 += av * b[b3 + p];
                    }
                    c[co + j] += s0; c[co + j + 1] += s1; c[co + j + 2] += s2; c[co + j + 3] += s3;
                }
                for (; j < n; j++) {
                    int bo = bOff + j * ldb;
                    float s = 0f;
                    for (int p = 0; p < k; p++) s += arow[p] * b[bo + p];
                    c[co + j] += s;
                }
            } else {
                for (int p = 0; p < k; p++) {
                    float av = arow[p];
                    if (av == 0f) continue;
                    int bo = bOff + p * ldb;
                    for (int j = 0; j < n; j++) c[co + j] += av * b[bo + j];
                }
            }
        }
    }
}
