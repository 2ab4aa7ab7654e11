package dev.optin.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Small products on the Vector API without packing: C = op(A)·op(B) (+ bias) (+ C), op(B) read as k rows of n floats,
 * in place when B is not transposed and n is a multiple of the vector length, else from a transposed, zero-padded
 * copy; C four rows by one vector at a time, through a tile as wide as the padded rows.
 * <p>
 * Invariant: each element gets the arithmetic of the kernel {@link Gemm} would otherwise run for the product's size,
 * in the same order, so either path gives the same bits (B finite): fused, that of {@link VectorGemm}'s packed
 * kernels (the start value: C when accumulating, else the bias or 0, then one fused multiply-add per k step in k
 * order); not fused, that of {@link GemmKernels#PLAIN} (products rounded before each add, in k order: op(B) transposed
 * sums from 0 and adds the sum to C's start value, else the sum runs on C's start value; the bias is added last).
 */
final class SmallGemm {
    private SmallGemm() {}

    private static final VectorSpecies<Float> S = VectorGemm.S;
    private static final int L = VectorGemm.L;

    /** Per thread: the transposed/padded copy of op(B) and the four-row tile, reused from call to call (products come by the thousand per batch). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) SCRATCH.set(s = new float[size]);
        return s;
    }

    static void multiply(boolean fused, boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                         float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        if (m == 0 || n == 0) return;
        int nPad = (n + L - 1) / L * L;
        boolean inPlace = !transB && n == nPad;
        // scratch layout: the tile t at 0 (4 rows of nPad), the copy of op(B) after it (k rows of nPad, padding zero)
        float[] t = scratch(4 * nPad + (inPlace ? 0 : k * nPad));
        float[] bk;
        int bo, bld;
        if (inPlace) {
            bk = b; bo = bOff; bld = ldb;
        } else {
            bk = t;
            bo = 4 * nPad; bld = nPad;
            if (transB) for (int j = 0; j < n; j++) { int src = bOff + j * ldb; for (int p = 0; p < k; p++) bk[bo + p * nPad + j] = b[src + p]; }
            else for (int p = 0; p < k; p++) System.arraycopy(b, bOff + p * ldb, bk, bo + p * nPad, n);
            if (n < nPad) for (int p = 0; p < k; p++) java.util.Arrays.fill(bk, bo + p * nPad + n, bo + (p + 1) * nPad, 0f);
        }
        int ai = transA ? 1 : lda, ap = transA ? lda : 1;   // A(i, p) = a[aOff + i·ai + p·ap]
        boolean biasFirst = fused && !accumulate && bias != null;
        boolean sumFromZero = !fused && transB;           // the plain kernel's dot products, added to C afterwards
        // padding lanes (columns n..nPad of each tile row) are independent of the others: zeroed once, they stay finite
        // (op(B)'s padding is zero too) whatever the scratch held before
        if (n < nPad) java.util.Arrays.fill(t, 0, 4 * nPad, 0f);
        for (int i0 = 0; i0 < m; i0 += 4) {
            int rows = Math.min(4, m - i0);
            for (int r = 0; r < rows; r++) {
                int o = cOff + (i0 + r) * ldc;
                if (accumulate && !sumFromZero) System.arraycopy(c, o, t, r * nPad, n);
                else if (biasFirst) System.arraycopy(bias, 0, t, r * nPad, n);
                else java.util.Arrays.fill(t, r * nPad, r * nPad + n, 0f);
            }
            int a0 = aOff + i0 * ai;
            if (rows == 4) fourRows(fused, k, a, a0, ai, ap, bk, bo, bld, nPad, t);
            else for (int r = 0; r < rows; r++) oneRow(fused, k, a, a0 + r * ai, ap, bk, bo, bld, nPad, t, r * nPad);
            for (int r = 0; r < rows; r++) {
                int o = cOff + (i0 + r) * ldc, to = r * nPad;
                if (sumFromZero && accumulate) for (int j = 0; j < n; j++) c[o + j] += t[to + j];
                else System.arraycopy(t, to, c, o, n);
                if (!fused && bias != null) for (int j = 0; j < n; j++) c[o + j] += bias[j];
            }
        }
    }

    /** Rows 0..3 of the tile t (nPad wide) += A's four rows from a0 · op(B). */
    private static void fourRows(boolean fused, int k, float[] a, int a0, int ai, int ap, float[] b, int bo, int bld, int nPad, float[] t) {
        int a1 = a0 + ai, a2 = a1 + ai, a3 = a2 + ai;
        for (int j = 0; j < nPad; j += L) {
            FloatVector c0 = FloatVector.fromArray(S, t, j), c1 = FloatVector.fromArray(S, t, nPad + j);
            FloatVector c2 = FloatVector.fromArray(S, t, 2 * nPad + j), c3 = FloatVector.fromArray(S, t, 3 * nPad + j);
            if (fused)
                for (int p = 0, ao = 0, bi = bo + j; p < k; p++, ao += ap, bi += bld) {
                    FloatVector bv = FloatVector.fromArray(S, b, bi);
                    c0 = FloatVector.broadcast(S, a[a0 + ao]).fma(bv, c0);
                    c1 = FloatVector.broadcast(S, a[a1 + ao]).fma(bv, c1);
                    c2 = FloatVector.broadcast(S, a[a2 + ao]).fma(bv, c2);
                    c3 = FloatVector.broadcast(S, a[a3 + ao]).fma(bv, c3);
                }
            else
                for (int p = 0, ao = 0, bi = bo + j; p < k; p++, ao += ap, bi += bld) {
                    FloatVector bv = FloatVector.fromArray(S, b, bi);
                    c0 = c0.add(bv.mul(a[a0 + ao]));
                    c1 = c1.add(bv.mul(a[a1 + ao]));
                    c2 = c2.add(bv.mul(a[a2 + ao]));
                    c3 = c3.add(bv.mul(a[a3 + ao]));
                }
            c0.intoArray(t, j); c1.intoArray(t, nPad + j); c2.intoArray(t, 2 * nPad + j); c3.intoArray(t, 3 * nPad + j);
        }
    }

    /** Tile row at to (nPad wide) += A's row from a0 · op(B). */
    private static void oneRow(boolean fused, int k, float[] a, int a0, int ap, float[] b, int bo, int bld, int nPad, float[] t, int to) {
        for (int j = 0; j < nPad; j += L) {
            FloatVector c0 = FloatVector.fromArray(S, t, to + j);
            if (fused)
                for (int p = 0, ao = a0, bi = bo + j; p < k; p++, ao += ap, bi += bld)
                    c0 = FloatVector.broadcast(S, a[ao]).fma(FloatVector.fromArray(S, b, bi), c0);
            else
                for (int p = 0, ao = a0, bi = bo + j; p < k; p++, ao += ap, bi += bld)
                    c0 = c0.add(FloatVector.fromArray(S, b, bi).mul(a[ao]));
            c0.intoArray(t, to + j);
        }
    }
}
