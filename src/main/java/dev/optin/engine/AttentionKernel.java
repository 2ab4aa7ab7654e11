package dev.optin.engine;

/** A fused attention implementation behind {@link Attention}: one head, scores kept in cache, never returned. */
interface AttentionKernel {
    /**
     * Runs {@link Attention#head} when this kernel gives the bits of {@link Attention#headByProducts} for these sizes
     * and returns true; returns false (and does nothing) otherwise.
     */
    boolean head(float[] qkv, int ld, int qOff, int kOff, int vOff, int rows, int len, int dh, float scale,
                 float[] ctx, int cOff, int ldc);
}
