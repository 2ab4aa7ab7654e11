package dev.optin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vectorised GELU and softmax against the scalar reference versions in {@link Ops}. */
class VectorMathTest {
    private final MathKernel vec = new VectorMath();
    private final MathKernel plain = new Ops.PlainMath();

    @Test
    void vectorKernelsAreInUseUnderSurefire() {
        assertThat(VectorSupport.MATH).isInstanceOf(VectorMath.class);
    }

    @Test
    void columnSquaresGiveTheBitsOfTheScalarSums() {
        java.util.Random r = new java.util.Random(12);
        for (int[] sh : new int[][]{{37, 1536, 0, 64}, {5, 100, 3, 97}, {300, 384, 320, 384}, {2, 7, 0, 7}}) {
            int rows = sh[0], width = sh[1], j0 = sh[2], j1 = sh[3];
            float[] x = new float[rows * width];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 3));
            double[] a = new double[width], b = new double[width];
            for (int j = 0; j < width; j++) a[j] = b[j] = r.nextDouble();
            vec.addColumnSquares(x, rows, width, j0, j1, a);
            plain.addColumnSquares(x, rows, width, j0, j1, b);
            for (int j = 0; j < width; j++)
                assertThat(Double.doubleToRawLongBits(a[j])).as("%d×%d [%d, %d) column %d", rows, width, j0, j1, j).isEqualTo(Double.doubleToRawLongBits(b[j]));
        }
    }

    /** The refit-aware selection's downdates: the vector kernel's lanes give the scalar loop's bits, offsets and tails too. */
    @Test
    void subtractScaledGivesTheBitsOfTheScalarLoop() {
        java.util.Random r = new java.util.Random(13);
        VectorMath vec = new VectorMath();
        Ops.PlainMath plain = new Ops.PlainMath();
        for (int[] sh : new int[][]{{1536, 0, 0}, {384, 5, 3}, {7, 1, 2}, {1, 0, 0}, {0, 4, 4}, {1003, 17, 2}}) {
            int n = sh[0], yo = sh[1], xo = sh[2];
            double[] x = new double[xo + n + 3], a = new double[yo + n + 3];
            for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian() * Math.exp(r.nextGaussian() * 4);
            for (int i = 0; i < a.length; i++) a[i] = r.nextGaussian();
            double[] b = a.clone();
            double f = r.nextGaussian() * 1e-3;
            vec.subtractScaled(a, yo, f, x, xo, n);
            plain.subtractScaled(b, yo, f, x, xo, n);
            for (int i = 0; i < a.length; i++)
                assertThat(Double.doubleToRawLongBits(a[i])).as("n %d at %d", n, i).isEqualTo(Double.doubleToRawLongBits(b[i]));
        }
    }

    @Test
    void expMatchesMathExpOverFloatRange() {
        float[] xs = new float[4096];
        for (int i = 0; i < xs.length; i++) xs[i] = -87f + 175f * i / (xs.length - 1);
        float[] out = new float[xs.length];
        for (int i = 0; i + VectorMath.L <= xs.length; i += VectorMath.L)
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, xs, i)).intoArray(out, i);
        for (int i = 0; i < xs.length; i++) {
            double ref = Math.exp(xs[i]);
            assertThat(Math.abs(out[i] - ref) / ref).as("exp(%s)", xs[i]).isLessThan(3e-7);
        }
    }

    /** A GEMM tile gathered into one run of the passes gives the bits of the row-by-row GELU, gate or not, edges too. */
    @Test
    void geluTileGivesTheBitsOfRowByRowGelu() {
        Random rnd = new Random(21);
        int L = VectorMath.L;
        for (int[] sh : new int[][]{{8, 3 * L}, {5, 3 * L}, {8, 2 * L}, {8, 3 * L - 5}, {8, 64 * L}}) {   // last: more than a chunk
            int rows = sh[0], n = sh[1], ldc = n + 13, gOff = 7;
            float[] c = new float[rows * ldc + 3], gate = new float[gOff + n];
            for (int i = 0; i < c.length; i++) c[i] = (float) (rnd.nextGaussian() * 3);
            for (int i = 0; i < gate.length; i++) gate[i] = rnd.nextFloat();
            for (float[] g : new float[][]{null, gate}) {
                float[] tile = c.clone(), rowwise = c.clone();
                vec.geluTile(tile, 3, ldc, rows, g, gOff, n);
                for (int r = 0; r < rows; r++) vec.gelu(rowwise, 3 + r * ldc, g, gOff, rowwise, 3 + r * ldc, n);
                for (int i = 0; i < c.length; i++)
                    assertThat(Float.floatToRawIntBits(tile[i])).as("%d×%d gate=%b at %d", rows, n, g != null, i).isEqualTo(Float.floatToRawIntBits(rowwise[i]));
            }
        }
    }

    @Test
    void geluMatchesScalarIncludingTailsAndGate() {
        Random rnd = new Random(1);
        int n = 1000 + 5; // not a multiple of the vector length: exercises the scalar tail
        float[] src = new float[n + 3], gate = new float[n], a = new float[n + 7], b = new float[n + 7];
        for (int i = 0; i < src.length; i++) src[i] = (float) (rnd.nextGaussian() * 4);
        src[3] = 0f; src[4] = -0f; src[5] = 12f; src[6] = -12f; src[7] = 1e-8f; src[8] = -30f;
        for (int i = 0; i < n; i++) gate[i] = rnd.nextFloat() * 2 - 0.5f;
        for (float[] g : new float[][] {null, gate}) {
            vec.gelu(src, 3, g, 0, a, 7, n);
            plain.gelu(src, 3, g, 0, b, 7, n);
            for (int i = 0; i < n; i++) {
                float x = src[3 + i], scale = Math.max(1f, Math.abs(x)) * (g == null ? 1f : Math.max(1f, Math.abs(g[i])));
                assertThat(Math.abs(a[7 + i] - b[7 + i])).as("gelu(%s) at %d", x, i).isLessThanOrEqualTo(1e-6f * scale);
            }
        }
    }

    /** The loops write exp and Φ out in full (no vector crosses a method boundary); they must give the bits of the reference functions. */
    @Test
    void inlinedLoopsGiveTheBitsOfExpAndCdf() {
        Random rnd = new Random(3);
        int n = 64 * VectorMath.L;
        float[] src = new float[n], gate = new float[n], out = new float[n], grad = new float[n];
        for (int i = 0; i < n; i++) { src[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 1 : i % 3 == 1 ? 6 : 20)); gate[i] = rnd.nextFloat(); }
        vec.gelu(src, 0, gate, 0, out, 0, n);
        vec.geluGrad(src, 0, grad, 0, n);
        float[] refGelu = new float[n], refGrad = new float[n];
        for (int i = 0; i < n; i += VectorMath.L) {
            var x = jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, src, i);
            var cdf = VectorMath.cdf(x);
            x.mul(cdf).mul(jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, gate, i)).intoArray(refGelu, i);
            x.fma(VectorMath.exp(x.mul(x).mul(-0.5f)).mul(0.39894228040143268f), cdf).intoArray(refGrad, i);
        }
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(out[i])).as("gelu(%s)", src[i]).isEqualTo(Float.floatToRawIntBits(refGelu[i]));
            assertThat(Float.floatToRawIntBits(grad[i])).as("gelu'(%s)", src[i]).isEqualTo(Float.floatToRawIntBits(refGrad[i]));
        }
        float[] row = java.util.Arrays.copyOf(src, n), ref = new float[n];
        float scale = 0.125f, max = Float.NEGATIVE_INFINITY;
        for (float v : row) max = Math.max(max, v);
        var acc = jdk.incubator.vector.FloatVector.zero(VectorMath.S);
        for (int i = 0; i < n; i += VectorMath.L) {
            var e = VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, row, i).fma(scale, -max * scale));
            e.intoArray(ref, i);
            acc = acc.add(e);
        }
        float inv = 1f / acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (int i = 0; i < n; i++) ref[i] *= inv;
        vec.softmax(row, 0, n, scale);
        for (int i = 0; i < n; i++) assertThat(Float.floatToRawIntBits(row[i])).as("softmax at %d", i).isEqualTo(Float.floatToRawIntBits(ref[i]));
    }

    @Test
    void softmaxMatchesScalarAndSumsToOne() {
        Random rnd = new Random(2);
        for (int n : new int[] {1, 3, 8, 17, 128, 131}) {
            float[] a = new float[n + 5], b = new float[n + 5];
            for (int i = 0; i < a.length; i++) a[i] = b[i] = (float) (rnd.nextGaussian() * 20);
            a[5] = b[5] = -1e30f; // a masked-out logit
            vec.softmax(a, 5, n, 0.125f);
            plain.softmax(b, 5, n, 0.125f);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += a[5 + i];
                assertThat(Math.abs(a[5 + i] - b[5 + i])).as("n=%d i=%d", n, i).isLessThanOrEqualTo(2e-7f + 2e-6f * b[5 + i]);
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            for (int i = 0; i < 5; i++) assertThat(a[i]).isEqualTo(b[i]); // untouched outside the row
        }
    }

    /** The traced forward's GELU keeping Φ, and the derivative from it, give the bits of gelu and geluGrad (tails included). */
    @Test
    void geluWithCdfAndGradFromCdfGiveTheSameBits() {
        Random rnd = new Random(3);
        int n = 1000 + 5, so = 3;
        float[] src = new float[so + n], cdf = new float[so + n];
        for (int i = 0; i < src.length; i++) src[i] = (float) (rnd.nextGaussian() * 4);
        src[so] = 0f; src[so + 1] = -0f; src[so + 2] = 12f; src[so + 3] = -30f; src[so + 4] = 1e-8f;
        for (MathKernel k : new MathKernel[] {vec, plain}) {
            float[] f = new float[so + n], ref = new float[so + n], g = new float[n + 2], refG = new float[n + 2];
            k.geluWithCdf(src, so, f, cdf, n);
            k.gelu(src, so, null, 0, ref, so, n);
            k.geluGradFromCdf(src, cdf, so, g, 2, n);
            k.geluGrad(src, so, refG, 2, n);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToIntBits(f[so + i])).as("gelu(%s)", src[so + i]).isEqualTo(Float.floatToIntBits(ref[so + i]));
                assertThat(Float.floatToIntBits(g[2 + i])).as("gelu'(%s)", src[so + i]).isEqualTo(Float.floatToIntBits(refG[2 + i]));
            }
        }
    }

    @Test
    void geluGradMatchesScalarAndFiniteDifferences() {
        Random rnd = new Random(2);
        int n = 1000 + 3;
        float[] src = new float[n], a = new float[n + 2], b = new float[n + 2];
        for (int i = 0; i < n; i++) src[i] = (float) (rnd.nextGaussian() * 4);
        src[0] = 0f; src[1] = 12f; src[2] = -12f; src[3] = -30f; src[4] = 1e-8f;
        vec.geluGrad(src, 0, a, 2, n);
        plain.geluGrad(src, 0, b, 2, n);
        for (int i = 0; i < n; i++) {
            assertThat((double) a[i + 2]).as("gelu'(%s)", src[i]).isCloseTo(b[i + 2], org.assertj.core.data.Offset.offset(2e-6));
            double x = src[i], h = 1e-3;
            double fd = (Ops.gelu((float) (x + h)) - (double) Ops.gelu((float) (x - h))) / (2 * h);
            assertThat((double) b[i + 2]).as("central difference at %s", x).isCloseTo(fd, org.assertj.core.data.Offset.offset(2e-3 * Math.max(1, Math.abs(x))));
        }
    }

    @Test
    void layerNormGivesTheScalarBitsForAnyWidthAndResidual() {
        Random rnd = new Random(3);
        for (int d : new int[]{1, 3, 4, 15, 16, 17, 64, 100, 128, 131, 384, 768}) {
            int rows = 5, o0 = 2;
            float[] x = new float[o0 + rows * d], res = new float[x.length], gamma = new float[d], beta = new float[d];
            // magnitudes from 1e-4 to 1e4 in one row: double sums that are not exact, where a changed order would show
            for (int i = 0; i < x.length; i++) { x[i] = (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian() * 3)); res[i] = (float) rnd.nextGaussian(); }
            for (int j = 0; j < d; j++) { gamma[j] = (float) rnd.nextGaussian(); beta[j] = (float) rnd.nextGaussian(); }
            for (float[] r : new float[][]{null, res}) {
                float[] xa = x.clone(), xb = x.clone(), ya = new float[x.length], yb = new float[x.length];
                for (int row = 0; row < rows; row++) {
                    int o = o0 + row * d;
                    float ia = vec.addLayerNorm(xa, r, ya, o, d, gamma, beta, 1e-6f);
                    float ib = plain.addLayerNorm(xb, r, yb, o, d, gamma, beta, 1e-6f);
                    assertThat(ia).as("d=%d 1/std", d).isEqualTo(ib);
                }
                assertThat(xa).as("d=%d x + residual", d).containsExactly(xb);
                assertThat(ya).as("d=%d", d).containsExactly(yb);
            }
        }
        // against the definition, in double
        int d = 37;
        float[] x = new float[d], y = new float[d], g = new float[d], b = new float[d];
        for (int j = 0; j < d; j++) { x[j] = (float) rnd.nextGaussian() * 3 + 1; g[j] = 1f + j * 0.01f; b[j] = j * 0.1f; }
        vec.addLayerNorm(x, null, y, 0, d, g, b, 1e-5f);
        double mean = 0, var = 0;
        for (float v : x) mean += v / (double) d;
        for (float v : x) var += (v - mean) * (v - mean) / d;
        for (int j = 0; j < d; j++) assertThat((double) y[j]).isCloseTo((x[j] - mean) / Math.sqrt(var + 1e-5) * g[j] + b[j], org.assertj.core.api.Assertions.within(1e-5));
    }
}
