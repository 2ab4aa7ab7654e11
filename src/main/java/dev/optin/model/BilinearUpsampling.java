package dev.optin.model;

/**
 * Bilinear resizing of a [h × w] grid to [H × W] with half-pixel centres and no corner alignment,
 * exactly as PyTorch's {@code F.interpolate(mode="bilinear", align_corners=False)}: source
 * coordinate (i + 0.5)·h/H − 0.5, clamped below at 0; the upper neighbour clamped to the last row.
 * Linear in its input, so {@link #adjoint} (the transpose) carries gradients back.
 * Inputs here are rows of class scores per grid cell ([h·w × C], cell-major), as heads give logits.
 */
public final class BilinearUpsampling {
    private final int h, w, outH, outW;
    private final int[] y0, y1, x0, x1;
    private final float[] fy, fx;

    public BilinearUpsampling(int h, int w, int outH, int outW) {
        this.h = h; this.w = w; this.outH = outH; this.outW = outW;
        y0 = new int[outH]; y1 = new int[outH]; fy = new float[outH];
        x0 = new int[outW]; x1 = new int[outW]; fx = new float[outW];
        axis(h, outH, y0, y1, fy);
        axis(w, outW, x0, x1, fx);
    }

    private static void axis(int in, int out, int[] lo, int[] hi, float[] frac) {
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            float s = Math.max(0f, (i + 0.5f) * scale - 0.5f);
            int a = Math.min((int) s, in - 1);
            lo[i] = a;
            hi[i] = Math.min(a + 1, in - 1);
            frac[i] = s - a;
        }
    }

    public int outputPixels() { return outH * outW; }

    /** Upsampled scores of class c at every pixel, [H·W], from z's rows [h·w × C] at off. */
    public void forward(float[] z, int off, int classes, int c, float[] out) {
        for (int y = 0; y < outH; y++) {
            int r0 = y0[y] * w, r1 = y1[y] * w;
            float b = fy[y], a = 1 - b;
            for (int x = 0; x < outW; x++) {
                float g = fx[x], f = 1 - g;
                float top = z[off + (r0 + x0[x]) * classes + c] * f + z[off + (r0 + x1[x]) * classes + c] * g;
                float bot = z[off + (r1 + x0[x]) * classes + c] * f + z[off + (r1 + x1[x]) * classes + c] * g;
                out[y * outW + x] = a * top + b * bot;
            }
        }
    }

    /** Adds the transpose of {@link #forward} applied to d [H·W] into dz's column c (rows [h·w × C] at off). */
    public void adjoint(float[] d, float[] dz, int off, int classes, int c) {
        for (int y = 0; y < outH; y++) {
            int r0 = y0[y] * w, r1 = y1[y] * w;
            float b = fy[y], a = 1 - b;
            for (int x = 0; x < outW; x++) {
                float g = fx[x], f = 1 - g, v = d[y * outW + x];
                dz[off + (r0 + x0[x]) * classes + c] += a * f * v;
                dz[off + (r0 + x1[x]) * classes + c] += a * g * v;
                dz[off + (r1 + x0[x]) * classes + c] += b * f * v;
                dz[off + (r1 + x1[x]) * classes + c] += b * g * v;
            }
        }
    }

    /** All classes upsampled: [C][H·W] from rows [h·w × C] at off. */
    public float[][] forwardAll(float[] z, int off, int classes) {
        float[][] out = new float[classes][outH * outW];
        for (int c = 0; c < classes; c++) forward(z, off, classes, c, out[c]);
        return out;
    }

    /** The argmax class of every pixel (first maximum on ties) into labels[at, at + H·W). */
    public void argmax(float[] z, int off, int classes, int[] labels, int at) {
        float[][] up = forwardAll(z, off, classes);
        int n = outH * outW;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) if (up[c][i] > up[best][i]) best = c;
            labels[at + i] = best;
        }
    }
}
