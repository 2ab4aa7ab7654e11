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
}
