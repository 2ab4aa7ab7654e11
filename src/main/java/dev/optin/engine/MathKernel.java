package dev.optin.engine;

/** Bulk element-wise functions of a transformer layer (vectorised when the Vector API is present). */
interface MathKernel {
    /** dst[do+i] = gelu(src[so+i]) * (gate == null ? 1 : gate[gOff+i]) for i in [0, n). */
    void gelu(float[] src, int so, float[] gate, int gOff, float[] dst, int dOff, int n);

    /** dst[do+i] = gelu'(src[so+i]) = Φ(x) + x·φ(x) for i in [0, n). */
    void geluGrad(float[] src, int so, float[] dst, int dOff, int n);

    /** In-place softmax of s[off..off+n) after multiplying by scale. */
    void softmax(float[] s, int off, int n, float scale);
}
