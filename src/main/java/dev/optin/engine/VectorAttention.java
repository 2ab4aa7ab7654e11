package dev.optin.engine;

/**
 * {@link Attention#head} on {@link VectorGemm}'s 8-row tiles of 512-bit vectors, strip by strip of eight query rows:
 * the strip's scores against every key ([8 × len], in L1), their softmax, and the strip's context from them and the
 * values. Keys (as Kᵀ) and values are packed once per head into {@link VectorGemm#NR}-wide panels. Every score and
 * context element is one FMA per step, in k order, from zero, by the packed products' own kernel, and softmax is
 * {@link Ops#softmaxRow}: the bits of {@link Attention#headByProducts} wherever that takes the packed kernel for both
 * products (rows·len·dh ≥ {@link VectorGemm#DIRECT_WORK}); smaller heads, other head sizes and 5-row tiles go there.
 * Against the two products it saves writing and re-reading a [rows × len] score matrix through L2 and the products'
 * per-call set-up.
 */
final class VectorAttention implements AttentionKernel {
    private static final int NR = VectorGemm.NR, MR = 8;

    /** Per-thread scratch: Kᵀ and value panels, one strip's scores, a zero-padded partial strip of queries, a context tile. */
    private static final class Scratch {
        float[][] keys = new float[0][], values = new float[0][];
        float[] scores = new float[0], queries = new float[0], tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    @Override
    public boolean head(float[] qkv, int ld, int qOff, int kOff, int vOff, int rows, int len, int dh, float scale,
                        float[] ctx, int cOff, int ldc) {
        if (VectorGemm.MR != MR || dh % NR != 0 || (long) rows * len * dh < VectorGemm.DIRECT_WORK) return false;
        int panels = (len + NR - 1) / NR, lds = panels * NR, blocks = dh / NR;
        Scratch s = SCRATCH.get();
        s.keys = panels(s.keys, panels, dh * NR);
        s.values = panels(s.values, blocks, len * NR);
        if (s.scores.length < MR * lds) s.scores = new float[MR * lds];
        if (s.queries.length < MR * dh) s.queries = new float[MR * dh];
        float[] sc = s.scores;
        packKeys(qkv, kOff, ld, len, dh, s.keys);
        for (int jb = 0; jb < blocks; jb++)   // values: panel jb holds columns [jb·NR, jb·NR + NR) of each key's value
            for (int t = 0; t < len; t++) System.arraycopy(qkv, vOff + t * ld + jb * NR, s.values[jb], t * NR, NR);
        for (int r0 = 0; r0 < rows; r0 += MR) {
            int mr = Math.min(MR, rows - r0);
            float[] a = qkv;
            int ao = qOff + r0 * ld, lda = ld;
            if (mr < MR) {   // a partial strip: its rows on zero rows, whose scores and context are not kept
                java.util.Arrays.fill(s.queries, 0, MR * dh, 0f);
                for (int i = 0; i < mr; i++) System.arraycopy(qkv, ao + i * ld, s.queries, i * dh, dh);
                a = s.queries; ao = 0; lda = dh;
            }
            java.util.Arrays.fill(sc, 0, MR * lds, 0f);   // the kernel adds onto C: scores start at 0, as the product's
            for (int jp = 0; jp < panels; jp++) VectorGemm.kernel8(dh, a, ao, lda, s.keys[jp], sc, jp * NR, lds);
            for (int i = 0; i < mr; i++) Ops.softmaxRow(sc, i * lds, len, scale);
            for (int jb = 0; jb < blocks; jb++) {
                int co = cOff + r0 * ldc + jb * NR;
                if (mr == MR) {
                    for (int i = 0; i < MR; i++) java.util.Arrays.fill(ctx, co + i * ldc, co + i * ldc + NR, 0f);
                    VectorGemm.kernel8(len, sc, 0, lds, s.values[jb], ctx, co, ldc);
                } else {
                    java.util.Arrays.fill(s.tile, 0f);
                    VectorGemm.kernel8(len, sc, 0, lds, s.values[jb], s.tile, 0, NR);
                    for (int i = 0; i < mr; i++) System.arraycopy(s.tile, i * NR, ctx, co + i * ldc, NR);
                }
            }
        }
        return true;
    }

    /** At least count arrays of at least length floats (each panel starts at index 0 of its own array, as the kernel wants). */
    private static float[][] panels(float[][] p, int count, int length) {
        if (p.length < count) p = java.util.Arrays.copyOf(p, count);
        for (int i = 0; i < count; i++) if (p[i] == null || p[i].length < length) p[i] = new float[length];
        return p;
    }

    /** kt[jp][p·NR + jj] = K[key jp·NR + jj][p]; keys past len are zeros. */
    private static void packKeys(float[] qkv, int kOff, int ld, int len, int dh, float[][] kt) {
        int panels = (len + NR - 1) / NR;
        for (int jp = 0; jp < panels; jp++) {
            int j0 = jp * NR, nr = Math.min(NR, len - j0);
            float[] panel = kt[jp];
            for (int jj = 0; jj < nr; jj++) {
                int src = kOff + (j0 + jj) * ld;
                for (int p = 0; p < dh; p++) panel[p * NR + jj] = qkv[src + p];
            }
            for (int p = 0; p < dh && nr < NR; p++) java.util.Arrays.fill(panel, p * NR + nr, p * NR + NR, 0f);
        }
    }
}
