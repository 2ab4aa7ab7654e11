package dev.optin.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, register-blocked SGEMM on the Vector API (loaded only when the module is present,
 * see {@link VectorSupport}). Both operands are copied into panels so the micro-kernel reads
 * memory sequentially: B in KC×NR strips (shared by all tasks), A in MR×KC strips per task.
 * The micro-kernel keeps an MR×NR tile of C in 2·MR vector registers (6×16 with AVX2).
 * <p>
 * Determinism: every element of C is summed in the same order (k blocks of fixed size KC,
 * fixed order inside a block) whatever the tiling of rows and columns into tasks, so the
 * number of threads never changes a result.
 */
final class VectorGemm implements GemmKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = 6, NR = 2 * L;
    static final int KC = 256, MC = 144;
    /** Below this many multiply-adds a product runs as a single task (no fork/join). */
    static final long SERIAL_WORK = 1L << 20;

    private static final ThreadLocal<float[]> B_PACK = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> A_PACK = ThreadLocal.withInitial(() -> new float[0]);

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        int nPanels = (n + NR - 1) / NR, nPad = nPanels * NR;
        int kBlocks = (k + KC - 1) / KC, kc = (k + kBlocks - 1) / kBlocks; // depends on k only
        float[] bp = buffer(B_PACK, k * nPad);
        long work = (long) m * n * k;
        boolean parallel = work >= SERIAL_WORK && Parallel.threads() > 1;
        if (parallel && (long) k * n >= 1 << 16) {
            int groups = Math.min(nPanels, 4 * Parallel.threads());
            Parallel.forEach(groups, g -> {
                for (int jp = g; jp < nPanels; jp += groups) packB(transB, n, k, kc, nPad, b, bOff, ldb, bp, jp);
            });
        } else {
            for (int jp = 0; jp < nPanels; jp++) packB(transB, n, k, kc, nPad, b, bOff, ldb, bp, jp);
        }

        int rowBlocks = (m + MC - 1) / MC, colBlocks = 1;
        if (parallel) {
            int target = 4 * Parallel.threads();
            if (rowBlocks < target) colBlocks = Math.min(nPanels, (target + rowBlocks - 1) / rowBlocks);
        } else {
            rowBlocks = 1;
        }
        int rb = rowBlocks, cb = colBlocks;
        int mc = roundUp((m + rb - 1) / rb, MR), panelsPerBlock = (nPanels + cb - 1) / cb;
        IntTask task = t -> {
            int i0 = (t / cb) * mc, i1 = Math.min(m, i0 + mc);
            int jp0 = (t % cb) * panelsPerBlock, jp1 = Math.min(nPanels, jp0 + panelsPerBlock);
            if (i0 < i1 && jp0 < jp1)
                block(transA, i0, i1, jp0, jp1, n, k, kc, nPad, a, aOff, lda, bp, c, cOff, ldc, accumulate, bias);
        };
        if (rb * cb == 1) task.run(0);
        else Parallel.forEach(rb * cb, task::run);
    }

    private interface IntTask { void run(int t); }

    private static int roundUp(int x, int r) { return (x + r - 1) / r * r; }

    private static float[] buffer(ThreadLocal<float[]> tl, int size) {
        float[] buf = tl.get();
        if (buf.length < size) { buf = new float[size]; tl.set(buf); }
        return buf;
    }

    /** Packs column panel jp of op(B) for every k block: bp[p0*nPad + jp*kq*NR + p*NR + jj]. */
    private static void packB(boolean transB, int n, int k, int kc, int nPad, float[] b, int bOff, int ldb, float[] bp, int jp) {
        int j0 = jp * NR, nr = Math.min(NR, n - j0);
        for (int p0 = 0; p0 < k; p0 += kc) {
            int kq = Math.min(kc, k - p0);
            int base = p0 * nPad + jp * kq * NR;
            if (transB) {
                for (int jj = 0; jj < nr; jj++) {
                    int src = bOff + (j0 + jj) * ldb + p0;
                    for (int p = 0; p < kq; p++) bp[base + p * NR + jj] = b[src + p];
                }
                if (nr < NR) for (int p = 0; p < kq; p++) for (int jj = nr; jj < NR; jj++) bp[base + p * NR + jj] = 0f;
            } else {
                for (int p = 0; p < kq; p++) {
                    int dst = base + p * NR;
                    System.arraycopy(b, bOff + (p0 + p) * ldb + j0, bp, dst, nr);
                    for (int jj = nr; jj < NR; jj++) bp[dst + jj] = 0f;
                }
            }
        }
    }

    /** Packs rows [i0, i1) × [p0, p0+kq) of op(A) into MR-row strips: ap[ir*kq*MR + p*MR + ii]. */
    private static void packA(boolean transA, int i0, int i1, int p0, int kq, float[] a, int aOff, int lda, float[] ap) {
        int rows = i1 - i0, strips = (rows + MR - 1) / MR;
        for (int ir = 0; ir < strips; ir++) {
            int base = ir * kq * MR, r0 = i0 + ir * MR, mr = Math.min(MR, i1 - r0);
            if (transA) {
                for (int p = 0; p < kq; p++) {
                    int src = aOff + (p0 + p) * lda + r0, dst = base + p * MR;
                    for (int ii = 0; ii < mr; ii++) ap[dst + ii] = a[src + ii];
                    for (int ii = mr; ii < MR; ii++) ap[dst + ii] = 0f;
                }
            } else {
                for (int ii = 0; ii < mr; ii++) {
                    int src = aOff + (r0 + ii) * lda + p0;
                    for (int p = 0; p < kq; p++) ap[base + p * MR + ii] = a[src + p];
                }
                if (mr < MR) for (int p = 0; p < kq; p++) for (int ii = mr; ii < MR; ii++) ap[base + p * MR + ii] = 0f;
            }
        }
    }

    private static void block(boolean transA, int i0, int i1, int jp0, int jp1, int n, int k, int kc, int nPad,
                              float[] a, int aOff, int lda, float[] bp, float[] c, int cOff, int ldc,
                              boolean accumulate, float[] bias) {
        int rows = i1 - i0, strips = (rows + MR - 1) / MR;
        float[] ap = buffer(A_PACK, strips * MR * Math.min(kc, k));
        float[] tile = new float[MR * NR];
        for (int p0 = 0; p0 < k; p0 += kc) {
            int kq = Math.min(kc, k - p0);
            packA(transA, i0, i1, p0, kq, a, aOff, lda, ap);
            boolean load = accumulate || p0 > 0;
            float[] bi = !load ? bias : null;
            for (int jp = jp0; jp < jp1; jp++) {
                int j0 = jp * NR, nr = Math.min(NR, n - j0), bo = p0 * nPad + jp * kq * NR;
                for (int ir = 0; ir < strips; ir++) {
                    int r0 = i0 + ir * MR;
                    kernel(kq, ap, ir * kq * MR, bp, bo, c, cOff + r0 * ldc + j0, ldc, load, bi, j0,
                            Math.min(MR, i1 - r0), nr, tile);
                }
            }
        }
    }

    /**
     * C tile (mr×nr ≤ MR×NR) = Σp A strip · B strip, then + bias or + old C. One method on
     * purpose: if the JIT does not inline a helper, the accumulators spill to the heap.
     */
    private static void kernel(int kq, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc,
                               boolean load, float[] bias, int j0, int mr, int nr, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kq; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector av = FloatVector.broadcast(S, ap[ao]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
        }
        if (mr == MR && nr == NR) {
            if (bias != null) {
                FloatVector v0 = FloatVector.fromArray(S, bias, j0), v1 = FloatVector.fromArray(S, bias, j0 + L);
                c00 = c00.add(v0); c01 = c01.add(v1); c10 = c10.add(v0); c11 = c11.add(v1);
                c20 = c20.add(v0); c21 = c21.add(v1); c30 = c30.add(v0); c31 = c31.add(v1);
                c40 = c40.add(v0); c41 = c41.add(v1); c50 = c50.add(v0); c51 = c51.add(v1);
            }
            int o0 = co, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, o0)); c01 = c01.add(FloatVector.fromArray(S, c, o0 + L));
                c10 = c10.add(FloatVector.fromArray(S, c, o1)); c11 = c11.add(FloatVector.fromArray(S, c, o1 + L));
                c20 = c20.add(FloatVector.fromArray(S, c, o2)); c21 = c21.add(FloatVector.fromArray(S, c, o2 + L));
                c30 = c30.add(FloatVector.fromArray(S, c, o3)); c31 = c31.add(FloatVector.fromArray(S, c, o3 + L));
                c40 = c40.add(FloatVector.fromArray(S, c, o4)); c41 = c41.add(FloatVector.fromArray(S, c, o4 + L));
                c50 = c50.add(FloatVector.fromArray(S, c, o5)); c51 = c51.add(FloatVector.fromArray(S, c, o5 + L));
            }
            c00.intoArray(c, o0); c01.intoArray(c, o0 + L);
            c10.intoArray(c, o1); c11.intoArray(c, o1 + L);
            c20.intoArray(c, o2); c21.intoArray(c, o2 + L);
            c30.intoArray(c, o3); c31.intoArray(c, o3 + L);
            c40.intoArray(c, o4); c41.intoArray(c, o4 + L);
            c50.intoArray(c, o5); c51.intoArray(c, o5 + L);
            return;
        }
        // Edge tile: same sums, same order of additions as above, written element by element.
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
        for (int ii = 0; ii < mr; ii++) {
            int o = co + ii * ldc;
            for (int jj = 0; jj < nr; jj++) {
                float v = tile[ii * NR + jj];
                if (bias != null) v += bias[j0 + jj];
                if (load) v += c[o + jj];
                c[o + jj] = v;
            }
        }
    }
}
