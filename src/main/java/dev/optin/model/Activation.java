package dev.optin.model;

import dev.optin.engine.Ops;

/** FFN activation functions by their Hugging Face config names. */
public enum Activation {
    GELU, GELU_TANH, RELU;

    public static Activation fromConfig(String name) {
        if (name == null) return GELU;
        return switch (name) {
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "relu" -> RELU;
            default -> throw new IllegalArgumentException("unsupported hidden_act '" + name + "' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)");
        };
    }

    public float apply(float x) {
        return switch (this) {
            case GELU -> Ops.gelu(x);
            case GELU_TANH -> Ops.geluTanh(x);
            case RELU -> x > 0 ? x : 0f;
        };
    }

    public float grad(float x) {
        return switch (this) {
            case GELU -> Ops.geluGrad(x);
            case GELU_TANH -> Ops.geluTanhGrad(x);
            case RELU -> x > 0 ? 1f : 0f;
        };
    }

    /** dst[dOff+j] = f(src[so+j]) for j in [0, n); exact GELU runs on the vectorised bulk kernel. */
    public void apply(float[] src, int so, float[] dst, int dOff, int n) {
        if (this == GELU) Ops.gelu(src, so, null, dst, dOff, n);
        else for (int j = 0; j < n; j++) dst[dOff + j] = apply(src[so + j]);
    }

    /**
     * dst[so+j] = f(src[so+j]) for j in [0, n), the values of {@link #apply(float[], int, float[], int, int)}, keeping in
     * aux[so+j] what {@link #gradFrom} reuses (exact GELU: Φ; the others keep nothing and aux may be null).
     */
    public void applyKeeping(float[] src, int so, float[] dst, float[] aux, int n) {
        if (this == GELU) Ops.geluWithCdf(src, so, dst, aux, n);
        else apply(src, so, dst, so, n);
    }

    /** The values of {@link #grad(float[], int, float[], int, int)}, with aux from an {@link #applyKeeping} of the same row. */
    public void gradFrom(float[] src, float[] aux, int so, float[] dst, int dOff, int n) {
        if (this == GELU) Ops.geluGradFromCdf(src, aux, so, dst, dOff, n);
        else grad(src, so, dst, dOff, n);
    }

    /** Whether {@link #applyKeeping} keeps anything (else its aux may be null). */
    public boolean keepsAux() { return this == GELU; }

    /** dst[dOff+j] = f'(src[so+j]) for j in [0, n); exact GELU runs on the vectorised bulk kernel. */
    public void grad(float[] src, int so, float[] dst, int dOff, int n) {
        if (this == GELU) Ops.geluGrad(src, so, dst, dOff, n);
        else for (int j = 0; j < n; j++) dst[dOff + j] = grad(src[so + j]);
    }
}
