package dev.optin.model.resnet;

/** Inference BatchNorm of one convolution's output: y = (x − mean)/√(var + eps)·gamma + beta, per channel. */
public record BatchNorm(float[] gamma, float[] beta, float[] mean, float[] var, float eps) {
    public BatchNorm {
        int c = gamma.length;
        if (beta.length != c || mean.length != c || var.length != c)
            throw new IllegalArgumentException("batch norm vectors differ in length: " + c + "/" + beta.length + "/" + mean.length + "/" + var.length);
        if (!(eps > 0)) throw new IllegalArgumentException("batch norm eps must be positive, got " + eps);
        for (float v : var) if (!(v >= 0)) throw new IllegalArgumentException("batch norm running variance must not be negative, got " + v);
    }

    public int channels() { return gamma.length; }

    /** Per-channel scale gamma/√(var+eps) of the folded convolution. */
    public float[] scale() {
        float[] s = new float[channels()];
        for (int c = 0; c < s.length; c++) s[c] = (float) (gamma[c] / Math.sqrt((double) var[c] + eps));
        return s;
    }

    /** The same affine parameters with other running statistics. */
    public BatchNorm withStatistics(float[] mean, float[] var) { return new BatchNorm(gamma, beta, mean, var, eps); }

    /** Channels keep[0..], in that order. */
    public BatchNorm select(int[] keep) {
        return new BatchNorm(pick(gamma, keep), pick(beta, keep), pick(mean, keep), pick(var, keep), eps);
    }

    static float[] pick(float[] v, int[] keep) {
        float[] r = new float[keep.length];
        for (int i = 0; i < keep.length; i++) r[i] = v[keep[i]];
        return r;
    }
}
