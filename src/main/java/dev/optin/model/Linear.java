package dev.optin.model;

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
}
