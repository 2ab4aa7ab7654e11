package dev.optin.model.resnet;

import dev.optin.engine.Conv2d;

/**
 * A bias-free convolution followed by BatchNorm, as torchvision's ResNet has them.
 *
 * @param weight PyTorch layout [out][in][kernel][kernel]
 */
public record ConvBn(float[] weight, int out, int in, int kernel, int stride, int pad, BatchNorm bn) {
    public ConvBn {
        if (out <= 0 || in <= 0 || kernel <= 0 || stride <= 0 || pad < 0)
            throw new IllegalArgumentException("convolution " + out + "x" + in + "x" + kernel + "x" + kernel + " stride " + stride + " pad " + pad);
        if (weight.length != (long) out * in * kernel * kernel)
            throw new IllegalArgumentException("convolution weight has " + weight.length + " values, expected " + out + "x" + in + "x" + kernel + "x" + kernel);
        if (bn.channels() != out) throw new IllegalArgumentException("batch norm has " + bn.channels() + " channels, its convolution " + out);
    }

    public int outSize(int size) { return (size + 2 * pad - kernel) / stride + 1; }

    public long parameters() { return weight.length + 2L * out; }

    /** MACs of one image with an input of h×w. */
    public long macs(int h, int w) { return (long) outSize(h) * outSize(w) * out * in * kernel * kernel; }

    /** BatchNorm folded in: w·scale per output channel, bias beta − mean·scale. */
    public Conv2d folded() {
        float[] s = bn.scale(), w = weight.clone(), b = new float[out];
        int per = in * kernel * kernel;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < per; i++) w[o * per + i] *= s[o];
            b[o] = bn.beta()[o] - bn.mean()[o] * s[o];
        }
        return new Conv2d(w, b, out, in, kernel, stride, pad);
    }

    /** The convolution alone (BatchNorm not applied), for re-estimating its statistics. */
    public Conv2d raw() { return new Conv2d(weight, null, out, in, kernel, stride, pad); }

    /** Output channels keep[..] (their BatchNorm entries with them). */
    public ConvBn keepOutputs(int[] keep) {
        int per = in * kernel * kernel;
        float[] w = new float[keep.length * per];
        for (int i = 0; i < keep.length; i++) System.arraycopy(weight, keep[i] * per, w, i * per, per);
        return new ConvBn(w, keep.length, in, kernel, stride, pad, bn.select(keep));
    }

    /** Input channels keep[..]. */
    public ConvBn keepInputs(int[] keep) {
        int kk = kernel * kernel;
        float[] w = new float[out * keep.length * kk];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < keep.length; i++)
                System.arraycopy(weight, (o * in + keep[i]) * kk, w, (o * keep.length + i) * kk, kk);
        return new ConvBn(w, out, keep.length, kernel, stride, pad, bn);
    }

    public ConvBn withBatchNorm(BatchNorm b) { return new ConvBn(weight, out, in, kernel, stride, pad, b); }
}
