package dev.optin.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Attention#head} on 8-row tiles of 512-bit vectors, strip by strip of eight query rows: the strip's scores
 * against every key ([8 × len], in L1), their softmax, and the strip's context from them and the values, read in place.
 * The keys are packed once per head into column panels (Kᵀ, {@link VectorGemm#NR} keys wide). Every score and context
 * element is one FMA per step, in k order, from zero, as in {@link VectorGemm}'s packed products, and softmax is
 * {@link Ops#softmaxRow}: the bits of {@link Attention#headByProducts} wherever that takes the packed kernel for both
 * products (rows·len·dh ≥ {@link VectorGemm#DIRECT_WORK}); smaller heads, other head sizes and 5-row tiles go there.
 * Against the two products it saves packing the values, zeroing and re-reading a [rows × len] score matrix through
 * L2, and the products' per-call set-up.
 */
final class VectorAttention implements AttentionKernel {
    private static final VectorSpecies<Float> S = VectorGemm.S;
    private static final int L = VectorGemm.L, NR = 2 * L, MR = 8;

    /** Per-thread scratch: packed keys, one strip's scores, a zero-padded partial strip of queries, a context tile. */
    private static final class Scratch {
        float[] keys = new float[0], scores = new float[0], queries = new float[MR * 64], tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    @Override
    public boolean head(float[] qkv, int ld, int qOff, int kOff, int vOff, int rows, int len, int dh, float scale,
                        float[] ctx, int cOff, int ldc) {
        if (VectorGemm.MR != MR || dh % NR != 0 || (long) rows * len * dh < VectorGemm.DIRECT_WORK) return false;
        int panels = (len + NR - 1) / NR, lds = panels * NR;
        Scratch s = SCRATCH.get();
        if (s.keys.length < panels * dh * NR) s.keys = new float[panels * dh * NR];
        if (s.scores.length < MR * lds) s.scores = new float[MR * lds];
        if (s.queries.length < MR * dh) s.queries = new float[MR * dh];
        float[] kt = s.keys, sc = s.scores;
        packKeys(qkv, kOff, ld, len, dh, kt);
        for (int r0 = 0; r0 < rows; r0 += MR) {
            int mr = Math.min(MR, rows - r0);
            float[] a = qkv;
            int ao = qOff + r0 * ld, lda = ld;
            if (mr < MR) {   // a partial strip: its rows on zero rows, whose scores and context are not kept
                java.util.Arrays.fill(s.queries, 0f);
                for (int i = 0; i < mr; i++) System.arraycopy(qkv, ao + i * ld, s.queries, i * dh, dh);
                a = s.queries; ao = 0; lda = dh;
            }
            for (int jp = 0; jp < panels; jp++) kernel(dh, a, ao, lda, kt, jp * dh * NR, NR, sc, jp * NR, lds);
            for (int i = 0; i < mr; i++) Ops.softmaxRow(sc, i * lds, len, scale);
            for (int j0 = 0; j0 < dh; j0 += NR) {
                int co = cOff + r0 * ldc + j0;
                if (mr == MR) kernel(len, sc, 0, lds, qkv, vOff + j0, ld, ctx, co, ldc);
                else {
                    kernel(len, sc, 0, lds, qkv, vOff + j0, ld, s.tile, 0, NR);
                    for (int i = 0; i < mr; i++) System.arraycopy(s.tile, i * NR, ctx, co + i * ldc, NR);
                }
            }
        }
        return true;
    }

    /** kt[jp·dh·NR + p·NR + jj] = K[key jp·NR + jj][p]; keys past len are zeros. */
    private static void packKeys(float[] qkv, int kOff, int ld, int len, int dh, float[] kt) {
        int panels = (len + NR - 1) / NR;
        for (int jp = 0; jp < panels; jp++) {
            int j0 = jp * NR, nr = Math.min(NR, len - j0), base = jp * dh * NR;
            for (int jj = 0; jj < nr; jj++) {
                int src = kOff + (j0 + jj) * ld;
                for (int p = 0; p < dh; p++) kt[base + p * NR + jj] = qkv[src + p];
            }
            for (int p = 0; p < dh && nr < NR; p++) java.util.Arrays.fill(kt, base + p * NR + nr, base + p * NR + NR, 0f);
        }
    }

    /**
     * C [8 × NR] (row stride ldc) = A's 8 rows (a[ao + r·lda + p]) · B's kq rows of NR floats (b[bo + p·ldb + j]), from
     * zero. One path, no calls, as {@link VectorGemm}'s kernels (their note says why).
     */
    private static void kernel(int kq, float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc) {
        int a0 = ao, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < kq; p++) {
            int bi = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[a5 + p]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, a[a6 + p]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, a[a7 + p]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
        }
        int o0 = co, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc, o7 = o6 + ldc;
        c00.intoArray(c, o0); c01.intoArray(c, o0 + L);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + L);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + L);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + L);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + L);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + L);
        c60.intoArray(c, o6); c61.intoArray(c, o6 + L);
        c70.intoArray(c, o7); c71.intoArray(c, o7 + L);
    }
}
