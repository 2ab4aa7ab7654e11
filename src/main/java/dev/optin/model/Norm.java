package dev.optin.model;

/** Layer-norm parameters. */
public record Norm(float[] gamma, float[] beta) {
    public Norm {
        if (gamma.length != beta.length) throw new IllegalArgumentException("layer norm weight and bias differ in size");
    }
}
