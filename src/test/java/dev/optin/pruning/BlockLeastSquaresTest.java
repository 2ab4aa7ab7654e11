package dev.optin.pruning;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The implicit normal equations against an explicitly built A = [a_1 … a_U, 1], and a direct dense solve. */
class BlockLeastSquaresTest {
    final int D = 3, W = 5;                        // output width, feature width (column 3 is unused)
    final int[][] groups = {{0, 1}, {2}, {4}};
    final Random r = new Random(17);
    final float[] weight = dev.optin.testing.RandomModels.rand(r, D * W, 1f);

    @Test
    void normalEquationsMatchExplicitMatrixAndDirectSolve() {
        int n = 2100;                              // crosses the 2048-row chunk
        float[] x = dev.optin.testing.RandomModels.rand(r, n * W, 1f), b = dev.optin.testing.RandomModels.rand(r, n * D, 1f);
        int[] rows = new int[700];
        for (int i = 0; i < rows.length; i++) rows[i] = 3 * i;
        for (int[] use : new int[][]{null, rows}) {
            BlockLeastSquares ls = new BlockLeastSquares(groups, weight, D, W);
            ls.add(x, W, b, n, use);
            double[][] a = explicitA(x, use == null ? range(n) : use);
            double[] target = flatB(b, use == null ? range(n) : use);
            double[][] ata = mul(transpose(a), a);
            double[] atb = mulVec(transpose(a), target);
            double[][] gram = ls.gram();
            double[] rhs = ls.rhs();
            for (int i = 0; i < ata.length; i++) {
                assertThat(rhs[i]).isCloseTo(atb[i], within(1e-3 * (1 + Math.abs(atb[i]))));
                for (int j = 0; j < ata.length; j++) assertThat(gram[i][j]).isCloseTo(ata[i][j], within(1e-3 * (1 + Math.abs(ata[i][j]))));
            }
            // damped least squares on the deviation from s̄ = (1, …, 1, 0), solved directly: (AᵀA + I)(s − s̄) = Aᵀb − AᵀA·s̄
            int U = groups.length;
            double[][] m = new double[U + 1][U + 1];
            double[] v = new double[U + 1];
            for (int i = 0; i <= U; i++) {
                v[i] = atb[i];
                for (int j = 0; j <= U; j++) { m[i][j] = ata[i][j] + (i == j ? 1 : 0); v[i] -= j < U ? ata[i][j] : 0; }
            }
            double[] delta = gauss(m, v);
            double[] s = ls.solve(1.0);
            for (int i = 0; i <= U; i++) assertThat(s[i]).isCloseTo((i < U ? 1 : 0) + delta[i], within(1e-6));
        }
    }

    @Test
    void recoversKnownScalesWhenTheTargetIsExactlyReachable() {
        int n = 300;
        float[] x = dev.optin.testing.RandomModels.rand(r, n * W, 1f);
        double[] scales = {2.0, -0.5, 0.25}, offset = {0.3};
        float[] b = new float[n * D];
        for (int t = 0; t < n; t++)
            for (int d = 0; d < D; d++) {
                double v = offset[0];
                for (int g = 0; g < groups.length; g++) for (int i : groups[g]) v += scales[g] * x[t * W + i] * weight[d * W + i];
                b[t * D + d] = (float) v;
            }
        BlockLeastSquares ls = new BlockLeastSquares(groups, weight, D, W);
        ls.add(x, W, b, n, null);
        double[] s = ls.solve(1e-9);
        for (int g = 0; g < groups.length; g++) assertThat(s[g]).isCloseTo(scales[g], within(1e-3));
        assertThat(s[groups.length]).isCloseTo(offset[0], within(1e-3));
        // damping 1 pulls towards 1 only slightly with this much data
        double[] damped = ls.solve(1.0);
        for (int g = 0; g < groups.length; g++) assertThat(damped[g]).isCloseTo(scales[g], within(2e-2));
    }

    @Test
    void singularSystemStillGivesAFiniteDampedSolution() {
        // all features zero: AᵀA is zero except the ones column; damping keeps the system solvable, scales stay at 1
        int n = 10;
        BlockLeastSquares ls = new BlockLeastSquares(groups, weight, D, W);
        ls.add(new float[n * W], W, new float[n * D], n, null);
        double[] s = ls.solve(1.0);
        for (int g = 0; g < groups.length; g++) assertThat(s[g]).isCloseTo(1.0, within(1e-12));
        assertThat(s[groups.length]).isCloseTo(0.0, within(1e-12));
    }

    /** A target the unscaled units already reproduce gives scales of exactly 1 and no offset, whatever the damping. */
    @Test
    void exactUnscaledFitStaysAtOne() {
        int n = 50;
        float[] x = dev.optin.testing.RandomModels.rand(r, n * W, 1f);
        for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]) + 0.5f;   // features with a large mean, like GELU outputs
        float[] b = new float[n * D];
        for (int t = 0; t < n; t++)
            for (int d = 0; d < D; d++)
                for (int[] g : groups) for (int i : g) b[t * D + d] += x[t * W + i] * weight[d * W + i];
        BlockLeastSquares ls = new BlockLeastSquares(groups, weight, D, W);
        ls.add(x, W, b, n, null);
        for (double damping : new double[]{1e-6, 1, 100}) {
            double[] s = ls.solve(damping);
            for (int g = 0; g < groups.length; g++) assertThat(s[g]).isCloseTo(1.0, within(1e-5));
            assertThat(s[groups.length]).isCloseTo(0.0, within(1e-5));
        }
    }

    private static int[] range(int n) { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i; return a; }

    private double[][] explicitA(float[] x, int[] rows) {
        double[][] a = new double[rows.length * D][groups.length + 1];
        for (int k = 0; k < rows.length; k++)
            for (int d = 0; d < D; d++) {
                for (int g = 0; g < groups.length; g++)
                    for (int i : groups[g]) a[k * D + d][g] += (double) x[rows[k] * W + i] * weight[d * W + i];
                a[k * D + d][groups.length] = 1;
            }
        return a;
    }

    private double[] flatB(float[] b, int[] rows) {
        double[] t = new double[rows.length * D];
        for (int k = 0; k < rows.length; k++) for (int d = 0; d < D; d++) t[k * D + d] = b[rows[k] * D + d];
        return t;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    static double[][] mul(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) for (int k = 0; k < b.length; k++) for (int j = 0; j < b[0].length; j++) c[i][j] += a[i][k] * b[k][j];
        return c;
    }

    static double[] mulVec(double[][] a, double[] v) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) for (int k = 0; k < v.length; k++) c[i] += a[i][k] * v[k];
        return c;
    }

    /** Gaussian elimination with partial pivoting. */
    static double[] gauss(double[][] m0, double[] v0) {
        int n = v0.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) m[i] = m0[i].clone();
        double[] v = v0.clone();
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int i = c + 1; i < n; i++) if (Math.abs(m[i][c]) > Math.abs(m[p][c])) p = i;
            double[] t = m[c]; m[c] = m[p]; m[p] = t;
            double tv = v[c]; v[c] = v[p]; v[p] = tv;
            for (int i = c + 1; i < n; i++) {
                double f = m[i][c] / m[c][c];
                for (int j = c; j < n; j++) m[i][j] -= f * m[c][j];
                v[i] -= f * v[c];
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = v[i];
            for (int j = i + 1; j < n; j++) s -= m[i][j] * x[j];
            x[i] = s / m[i][i];
        }
        return x;
    }
}
