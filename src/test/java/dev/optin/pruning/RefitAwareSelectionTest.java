package dev.optin.pruning;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The downdated error of {@link RefitAwareSelection} against the definition: for each candidate, refit
 * the projection on the other columns with {@link ProjectionFit} and measure the squared error. The greedy
 * sequence must be the one that brute force produces, units of one column and of several.
 */
class RefitAwareSelectionTest {
    @Test
    void removesWhatTheRefitMissesLeastOneColumnUnits() {
        checkAgainstBruteForce(9, 1, 4, 5);
    }

    @Test
    void removesWhatTheRefitMissesLeastGroupedUnits() {
        checkAgainstBruteForce(5, 3, 4, 3);
    }

    @Test
    void aFixedCostOutweighsTheRefitError() {
        int units = 4, n = 200, D = 3;
        Random r = new Random(7);
        float[] x = new float[n * units], t = new float[n * D];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) for (int d = 0; d < D; d++) t[i * D + d] = x[i * units + d % units] * (d + 1) + 0.1f * (float) r.nextGaussian();
        ProjectionFit fit = new ProjectionFit(units, D);
        fit.add(x, t, n);
        // unit 3 feeds no output (the cheapest to drop by error) but carries a large fixed cost
        float[] mask = RefitAwareSelection.choose(fit.normalEquations(0), units, 1, D, new double[] {0, 0, 0, 1e9}, 1, 3);
        assertThat(mask[3]).isEqualTo(1f);
        assertThat(mask[0]).isEqualTo(0f);   // feeds the weakest output
    }

    /** V = A⁻¹R on every thread gives the bits of EJML's product it replaced (zeros, signs and magnitudes mixed). */
    @Test
    void parallelProductGivesEjmlsBits() {
        Random r = new Random(17);
        for (int[] sh : new int[][] {{1, 1}, {3, 5}, {40, 7}, {97, 384}, {384, 33}}) {
            int K = sh[0], D = sh[1];
            double[] a = new double[K * K], b = new double[K * D];
            for (int i = 0; i < a.length; i++) a[i] = i % 7 == 3 ? 0 : r.nextGaussian() * Math.exp(3 * r.nextGaussian());
            for (int i = 0; i < b.length; i++) b[i] = i % 11 == 5 ? -0.0 : r.nextGaussian() * Math.exp(3 * r.nextGaussian());
            org.ejml.data.DMatrixRMaj c = new org.ejml.data.DMatrixRMaj(K, D);
            org.ejml.dense.row.CommonOps_DDRM.mult(new org.ejml.data.DMatrixRMaj(K, K, true, a), new org.ejml.data.DMatrixRMaj(K, D, true, b), c);
            double[] mine = RefitAwareSelection.product(a, b, K, D);
            for (int i = 0; i < mine.length; i++)
                assertThat(Double.doubleToRawLongBits(mine[i])).as("%dx%d at %d", K, D, i).isEqualTo(Double.doubleToRawLongBits(c.get(i)));
        }
    }

    private static void checkAgainstBruteForce(int units, int width, int outputs, int keep) {
        int K = units * width, n = 400;
        Random r = new Random(11);
        float[] x = new float[n * K], t = new float[n * outputs];
        float[] mix = new float[K];
        for (int k = 0; k < K; k++) mix[k] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) {
            float common = (float) r.nextGaussian();
            for (int k = 0; k < K; k++) x[i * K + k] = (float) r.nextGaussian() + mix[k] * common;   // correlated columns
        }
        float[] w = new float[K * outputs];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * (1 + (i % 5)));
        for (int i = 0; i < n; i++)
            for (int d = 0; d < outputs; d++) {
                double s = 0.3 * r.nextGaussian();
                for (int k = 0; k < K; k++) s += x[i * K + k] * w[k * outputs + d];
                t[i * outputs + d] = (float) s;
            }
        ProjectionFit all = new ProjectionFit(K, outputs);
        all.add(x, t, n);
        float[] greedy = RefitAwareSelection.choose(all.normalEquations(0), units, width, outputs, new double[units], 1, keep);

        boolean[] alive = new boolean[units];
        java.util.Arrays.fill(alive, true);
        for (int step = 0; step < units - keep; step++) {
            int best = -1;
            double bestErr = Double.POSITIVE_INFINITY;
            for (int u = 0; u < units; u++) {
                if (!alive[u]) continue;
                alive[u] = false;
                double err = refitError(x, t, n, K, outputs, width, alive);
                alive[u] = true;
                if (err < bestErr) { bestErr = err; best = u; }
            }
            alive[best] = false;
        }
        for (int u = 0; u < units; u++) assertThat(greedy[u]).as("unit " + u).isEqualTo(alive[u] ? 1f : 0f);
        assertThat(greedy).containsOnly(0f, 1f);
    }

    /** ‖X_kept·V + b − T‖² after the exact least-squares refit on the live units' columns. */
    private static double refitError(float[] x, float[] t, int n, int K, int D, int width, boolean[] alive) {
        int kept = 0;
        for (boolean a : alive) if (a) kept++;
        int[] cols = new int[kept * width];
        int p = 0;
        for (int u = 0; u < alive.length; u++) if (alive[u]) for (int j = 0; j < width; j++) cols[p++] = u * width + j;
        float[] xk = new float[n * cols.length];
        for (int i = 0; i < n; i++) for (int k = 0; k < cols.length; k++) xk[i * cols.length + k] = x[i * K + cols[k]];
        ProjectionFit fit = new ProjectionFit(cols.length, D);
        fit.add(xk, t, n);
        ProjectionFit.Solution s = fit.solve(0);
        double e = 0;
        for (int i = 0; i < n; i++)
            for (int d = 0; d < D; d++) {
                double y = s.bias()[d];
                for (int k = 0; k < cols.length; k++) y += xk[i * cols.length + k] * s.v()[k * D + d];
                e += (y - t[i * D + d]) * (y - t[i * D + d]);
            }
        return e;
    }
}
