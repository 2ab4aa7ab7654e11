package dev.optin.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Per-pixel predictions: the upsampling against hand values and its adjoint, KL averaged over positions. */
class PredictionTest {
    @Test
    void upsamplingMatchesHalfPixelBilinearAndItsAdjointIsTheTranspose() {
        // 2x2 → 4x4, one class: PyTorch's F.interpolate(align_corners=False) gives rows
        // [a, .75a+.25b, .25a+.75b, b] along each axis (edges clamped)
        float[] z = {0f, 4f, 8f, 12f};
        BilinearUpsampling up = new BilinearUpsampling(2, 2, 4, 4);
        float[] out = new float[16];
        up.forward(z, 0, 1, 0, out);
        assertThat(out).containsExactly(new float[]{0f, 1f, 3f, 4f, 2f, 3f, 5f, 6f, 6f, 7f, 9f, 10f, 8f, 9f, 11f, 12f}, within(1e-6f));

        Random r = new Random(1);
        int C = 3, h = 3, w = 5;
        BilinearUpsampling u = new BilinearUpsampling(h, w, 11, 17);
        float[] x = new float[h * w * C], y = new float[11 * 17], ax = new float[11 * 17], aty = new float[h * w * C];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
        u.forward(x, 0, C, 1, ax);
        u.adjoint(y, aty, 0, C, 1);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < y.length; i++) lhs += (double) ax[i] * y[i];
        for (int i = 0; i < x.length; i++) rhs += (double) x[i] * aty[i];
        assertThat(lhs).isCloseTo(rhs, within(1e-4));
        for (int i = 0; i < h * w; i++) { assertThat(aty[i * C]).isZero(); assertThat(aty[i * C + 2]).isZero(); }
    }

    @Test
    void perPixelKlIsTheMeanOverPositionsAndPerInputIsUnchanged() {
        Random r = new Random(2);
        Prediction.PerPixel p = new Prediction.PerPixel(4, 2, 3, 8, 12);
        int B = 2, rows = B * p.positions();
        float[] a = new float[rows * 4], b = new float[rows * 4];
        for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
        double perRow = Loss.kl(a, 0, b, 0, rows, 4, 2.0);
        assertThat(p.kl(a, 0, b, 0, B, 2.0)).isCloseTo(perRow / p.positions(), within(1e-12));
        assertThat(new Prediction.PerInput(4).kl(a, 0, b, 0, rows, 2.0)).isEqualTo(perRow);
        assertThat(p.kl(a, 0, a, 0, B, 2.0)).isCloseTo(0, within(1e-12));
    }
}
