package dev.optin.model;

import dev.optin.engine.Gemm;

/**
 * The image stem: turns images into layer 0's input with a patch embedding (a convolution with kernel = stride =
 * patch size, computed as one matrix product over flattened patches), the CLS token (and DeiT's
 * distillation token) in front, and learned position embeddings added to every token.
 *
 * @param patch        [hidden][channels·patch·patch], columns in (channel, row, column) order (PyTorch conv weight flattened)
 * @param cls          [hidden]
 * @param distillation [hidden] or null (DeiT: the token after CLS)
 * @param position     [tokens][hidden] with tokens = prefix tokens + patches
 */
public record PatchEmbeddings(int channels, int imageHeight, int imageWidth, int patchSize,
                               Linear patch, float[] cls, float[] distillation, float[] position) implements Stem {
    public PatchEmbeddings {
        if (patchSize <= 0 || imageHeight % patchSize != 0 || imageWidth % patchSize != 0)
            throw new IllegalArgumentException("image " + imageHeight + "x" + imageWidth + " is not a whole number of " + patchSize + "-pixel patches");
        if (patch.in != channels * patchSize * patchSize)
            throw new IllegalArgumentException("patch embedding takes " + patch.in + " inputs, expected channels·patch² = " + channels * patchSize * patchSize);
        int d = patch.out;
        if (cls.length != d || (distillation != null && distillation.length != d))
            throw new IllegalArgumentException("CLS/distillation token size differs from the hidden size " + d);
        int tokens = (distillation == null ? 1 : 2) + (imageHeight / patchSize) * (imageWidth / patchSize);
        if (position.length != tokens * d)
            throw new IllegalArgumentException("position embeddings hold " + position.length / d + " tokens, the image gives " + tokens);
    }

    public int hidden() { return patch.out; }
    public int prefixTokens() { return distillation == null ? 1 : 2; }
    public int patches() { return (imageHeight / patchSize) * (imageWidth / patchSize); }
    /** Tokens per image: CLS (+ distillation) + patches. */
    public int tokens() { return prefixTokens() + patches(); }
    public int pixelsPerImage() { return channels * imageHeight * imageWidth; }

    /** A ragged batch of `images` equal-length sequences (ids are unused placeholders). */
    public Batch batch(int images) { return Batch.uniform(images, tokens()); }

    /** Layer 0's input for a batch of images ({@link Batch#images}), each a sequence of {@link #tokens()} tokens. */
    @Override
    public float[] embed(Batch batch, EncoderConfig config) {
        if (batch.pixels == null) throw new IllegalArgumentException("a vision model needs images (Batch.images), the batch has token ids only");
        int P = pixelsPerImage(), n = batch.size();
        float[] flat = new float[n * P];
        for (int s = 0; s < n; s++) {
            if (batch.pixels[s].length != P)
                throw new IllegalArgumentException("image " + s + " has " + batch.pixels[s].length + " values, the model takes "
                        + channels + "x" + imageHeight + "x" + imageWidth + " = " + P);
            if (batch.length(s) != tokens())
                throw new IllegalArgumentException("image " + s + " is a sequence of " + batch.length(s) + " tokens, the model makes " + tokens());
            System.arraycopy(batch.pixels[s], 0, flat, s * P, P);
        }
        return embed(flat, n);
    }

    /** Layer 0's input [images·tokens × hidden] for pixels [images][channels][height][width] (already normalised). */
    public float[] embed(float[] pixels, int images) {
        if (pixels.length != (long) images * pixelsPerImage())
            throw new IllegalArgumentException("expected " + images + " images of " + channels + "x" + imageHeight + "x" + imageWidth
                    + " = " + (long) images * pixelsPerImage() + " values, got " + pixels.length);
        int p = patchSize, gw = imageWidth / p, P = patches(), K = patch.in, d = hidden(), T = tokens(), pre = prefixTokens();
        float[] flat = new float[images * P * K];
        for (int n = 0; n < images; n++)
            for (int q = 0; q < P; q++) {
                int py = q / gw, px = q % gw, o = (n * P + q) * K;
                for (int c = 0; c < channels; c++)
                    for (int i = 0; i < p; i++) {
                        int src = n * pixelsPerImage() + (c * imageHeight + py * p + i) * imageWidth + px * p;
                        System.arraycopy(pixels, src, flat, o + (c * p + i) * p, p);
                    }
            }
        float[] emb = new float[images * P * d];
        Gemm.linear(flat, images * P, K, patch.weight, patch.bias, d, emb);
        float[] x = new float[images * T * d];
        for (int n = 0; n < images; n++) {
            int base = n * T * d;
            System.arraycopy(cls, 0, x, base, d);
            if (distillation != null) System.arraycopy(distillation, 0, x, base + d, d);
            System.arraycopy(emb, n * P * d, x, base + pre * d, P * d);
            for (int i = 0; i < T * d; i++) x[base + i] += position[i];
        }
        return x;
    }

    @Override
    public long parameters() {
        return patch.parameters() + cls.length + (distillation == null ? 0 : distillation.length) + position.length;
    }
}
