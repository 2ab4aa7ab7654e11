package dev.optin.model;

import dev.optin.engine.Gemm;

/** A dense layer y = x·Wᵀ + b with W stored row-major as [out][in] (PyTorch layout). */
public final class Linear {
    public final int out, in;
    public final float[] weight;
    public final float[] bias;

    public Linear(int out, int in, float[] weight, float[] bias) {
        if (weight.length != (long) out * in)
            throw new IllegalArgumentException("weight has " + weight.length + " values, expected " + out + "x" + in);
        if (bias != null && bias.length != out)
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + out);
        this.out = out; this.in = in; this.weight = weight; this.bias = bias;
    }

    public long parameters() { return (long) out * in + (bias == null ? 0 : out); }

    /** The given input columns (keep), each multiplied by its gate (scale; null: 1), as [out × keep.length]; the bias copied. */
    public Linear columns(int[] keep, float[] scale) {
        int n = keep.length;
        float[] w = new float[out * n];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < n; i++) w[o * n + i] = scale == null ? weight[o * in + keep[i]] : weight[o * in + keep[i]] * scale[i];
        return new Linear(out, n, w, bias == null ? null : bias.clone());
    }

    /** W packed for the engine's products once, on first use; a layer's weights are never changed in place. */
    private volatile Gemm.PackedLinear packed;

    /**
     * W in the GEMM kernel's layout ({@link Gemm#pack}), packed on the first call and kept: for code that runs the
     * same layer on many batches (the pruning methods' layer probes); the products give the bits of unpacked ones.
     */
    public Gemm.PackedLinear packed() {
        Gemm.PackedLinear p = packed;
        if (p == null) packed = p = Gemm.pack(weight, out, in);
        return p;
    }

    /** y [m×out] = x [m×in]·Wᵀ + b, with W {@link #packed}. */
    public void apply(float[] x, int m, float[] y) { Gemm.linear(x, m, packed(), bias, y); }
}
