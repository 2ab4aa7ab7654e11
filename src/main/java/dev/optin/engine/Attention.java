package dev.optin.engine;

/**
 * Scaled dot-product attention of one head: ctx = softmax(scale · Q·Kᵀ) · V, with Q [rows×dh] and K, V [len×dh] read
 * in place from rows of a larger matrix (row stride ld; a transformer's fused query/key/value buffer).
 * {@link #headByProducts} runs it as two {@link Gemm} products around a row-wise softmax, through a full score
 * matrix; {@link #head} gives the same bits, and where the Vector API kernel covers the sizes it runs each strip of
 * query rows through scores, softmax and values while the strip's scores are still in L1 ({@link VectorAttention}).
 */
public final class Attention {
    private Attention() {}

    /**
     * ctx[cOff + r·ldc + j] for query rows r in [0, rows) and j in [0, dh); p (at pOff, at least rows·len floats) is
     * scratch that may or may not be written. Bit-identical to {@link #headByProducts}.
     */
    public static void head(float[] qkv, int ld, int qOff, int kOff, int vOff, int rows, int len, int dh, float scale,
                            float[] p, int pOff, float[] ctx, int cOff, int ldc) {
        if (rows == 0) return;
        if (VectorSupport.ATTENTION != null && VectorSupport.ATTENTION.head(qkv, ld, qOff, kOff, vOff, rows, len, dh, scale, ctx, cOff, ldc)) return;
        headByProducts(qkv, ld, qOff, kOff, vOff, rows, len, dh, scale, p, pOff, ctx, cOff, ldc);
    }

    /** As {@link #head}, leaving the probabilities softmax(scale · Q·Kᵀ) in p at pOff ([rows×len]). */
    public static void headByProducts(float[] qkv, int ld, int qOff, int kOff, int vOff, int rows, int len, int dh, float scale,
                                      float[] p, int pOff, float[] ctx, int cOff, int ldc) {
        Gemm.gemm(false, true, rows, len, dh, qkv, qOff, ld, qkv, kOff, ld, p, pOff, len, false);
        for (int i = 0; i < rows; i++) Ops.softmaxRow(p, pOff + i * len, len, scale);
        Gemm.gemm(false, false, rows, dh, len, p, pOff, len, qkv, vOff, ld, ctx, cOff, ldc, false);
    }
}
