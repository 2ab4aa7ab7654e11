package dev.optin.pruning;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The ridge solver of the reconstruction, against closed forms computed here independently. */
class ProjectionFitTest {
    static final int N = 300, K = 7, D = 5;

    @Test
    void recoversAnExactLinearMapAndItsBias() {
        Random r = new Random(3);
        float[] x = gaussian(r, N * K), t = new float[N * D];
        double[] w = new double[K * D], b = new double[D];
        for (int i = 0; i < w.length; i++) w[i] = r.nextGaussian();
        for (int d = 0; d < D; d++) b[d] = 3 * r.nextGaussian();
        for (int n = 0; n < N; n++) for (int d = 0; d < D; d++) {
            double s = b[d];
            for (int k = 0; k < K; k++) s += x[n * K + k] * w[k * D + d];
            t[n * D + d] = (float) s;
        }
        ProjectionFit fit = new ProjectionFit(K, D);
        fit.add(slice(x, 0, 100, K), slice(t, 0, 100, D), 100);     // in two pieces: accumulation is additive
        fit.add(slice(x, 100, N, K), slice(t, 100, N, D), N - 100);
        ProjectionFit.Solution s = fit.solve(1e-9);
        for (int i = 0; i < w.length; i++) assertThat(s.v()[i]).isCloseTo(w[i], within(1e-4));
        for (int d = 0; d < D; d++) assertThat(s.bias()[d]).isCloseTo(b[d], within(1e-4));
    }

    /** A fit restricted to some inputs has the sums (so the solution, to the bit) of a fit of those inputs alone. */
    @Test
    void restrictedFitIsTheFitOfThoseColumnsAlone() {
        Random r = new Random(5);
        int k = 300, m = 257;
        int[] cols = {0, 3, 4, 17, 128, 129, 200, 299};
        ProjectionFit all = new ProjectionFit(k, D), direct = new ProjectionFit(cols.length, D);
        for (int chunk = 0; chunk < 3; chunk++) {
            float[] x = gaussian(r, m * k), t = gaussian(r, m * D), xk = new float[m * cols.length];
            for (int n = 0; n < m; n++) for (int a = 0; a < cols.length; a++) xk[n * cols.length + a] = x[n * k + cols[a]];
            all.add(x, t, m);
            direct.add(xk, t, m);
        }
        ProjectionFit restricted = all.restrictedTo(cols);
        assertThat(restricted.rows()).isEqualTo(direct.rows());
        ProjectionFit.Solution a = restricted.solve(1e-3), b = direct.solve(1e-3);
        assertThat(a.v()).isEqualTo(b.v());
        assertThat(a.bias()).isEqualTo(b.bias());
    }

    /**
     * The closed-form leave-one-out error against refitting without each row in turn: exact for least squares with an
     * intercept (damping 0), and within 1% with damping (λ is then relative to the left-out Gram's diagonal).
     */
    @Test
    void leaveOneOutErrorIsTheErrorOfFitsWithoutEachRow() {
        Random r = new Random(11);
        int n = 60;
        float[] x = gaussian(r, n * K), t = gaussian(r, n * D);
        for (double damping : new double[] {0, 0.05}) {
            ProjectionFit fit = new ProjectionFit(K, D);
            fit.add(slice(x, 0, 25, K), slice(t, 0, 25, D), 25);
            fit.add(slice(x, 25, n, K), slice(t, 25, n, D), n - 25);
            double closed = fit.leaveOneOutError(fit.solve(damping), java.util.List.of(slice(x, 0, 25, K), slice(x, 25, n, K)),
                    java.util.List.of(slice(t, 0, 25, D), slice(t, 25, n, D)), damping);
            double brute = 0;
            for (int out = 0; out < n; out++) {
                ProjectionFit without = new ProjectionFit(K, D);
                for (int row = 0; row < n; row++) if (row != out) without.add(slice(x, row, row + 1, K), slice(t, row, row + 1, D), 1);
                ProjectionFit.Solution s = without.solve(damping);
                for (int d = 0; d < D; d++) {
                    double y = s.bias()[d];
                    for (int k = 0; k < K; k++) y += x[out * K + k] * s.v()[k * D + d];
                    brute += Math.pow(y - t[out * D + d], 2);
                }
            }
            assertThat(closed).as("damping " + damping).isCloseTo(brute, within((damping == 0 ? 1e-6 : 1e-2) * brute));
        }
    }

    /** At the ridge optimum the gradient of ‖XV + 1bᵀ − T‖² + λ‖V‖² vanishes (λ = damping · mean centred Gram diagonal). */
    @Test
    void dampedSolutionZeroesTheRidgeGradient() {
        Random r = new Random(5);
        float[] x = gaussian(r, N * K), t = gaussian(r, N * D);
        for (int n = 0; n < N; n++) x[n * K + 2] = x[n * K + 1] + 0.01f * x[n * K + 2];   // nearly collinear columns
        double damping = 0.05;
        ProjectionFit fit = new ProjectionFit(K, D);
        fit.add(x, t, N);
        ProjectionFit.Solution s = fit.solve(damping);
        double[] mean = new double[K];
        for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) mean[k] += x[n * K + k] / (double) N;
        double diag = 0;
        for (int k = 0; k < K; k++) for (int n = 0; n < N; n++) diag += Math.pow(x[n * K + k] - mean[k], 2);
        double lambda = damping * diag / K;
        double[] res = new double[N * D];
        for (int n = 0; n < N; n++) for (int d = 0; d < D; d++) {
            double y = s.bias()[d];
            for (int k = 0; k < K; k++) y += x[n * K + k] * s.v()[k * D + d];
            res[n * D + d] = y - t[n * D + d];
        }
        for (int d = 0; d < D; d++) {
            double gb = 0;
            for (int n = 0; n < N; n++) gb += res[n * D + d];
            assertThat(gb).as("bias gradient").isCloseTo(0, within(1e-6 * N));
            for (int k = 0; k < K; k++) {
                double g = lambda * s.v()[k * D + d];
                for (int n = 0; n < N; n++) g += x[n * K + k] * res[n * D + d];
                assertThat(g).as("weight gradient").isCloseTo(0, within(1e-6 * N));
            }
        }
        // damping shrinks: the undamped fit has a larger norm on the collinear pair
        ProjectionFit.Solution free = fit.solve(1e-12);
        assertThat(norm(s.v())).isLessThan(norm(free.v()));
    }

    @Test
    void biasAloneIsTheMeanResidualAndNoInputsGiveTheTargetMean() {
        Random r = new Random(9);
        float[] x = gaussian(r, N * K), t = gaussian(r, N * D);
        double[] v = new double[K * D];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian();
        ProjectionFit fit = new ProjectionFit(K, D);
        fit.add(x, t, N);
        double[] b = fit.solveBias(v);
        for (int d = 0; d < D; d++) {
            double m = 0;
            for (int n = 0; n < N; n++) {
                double y = t[n * D + d];
                for (int k = 0; k < K; k++) y -= x[n * K + k] * v[k * D + d];
                m += y / N;
            }
            assertThat(b[d]).isCloseTo(m, within(1e-5));
        }
        ProjectionFit none = new ProjectionFit(0, D);
        none.add(new float[0], t, N);
        ProjectionFit.Solution s = none.solve(1e-3);
        for (int d = 0; d < D; d++) {
            double m = 0;
            for (int n = 0; n < N; n++) m += t[n * D + d] / (double) N;
            assertThat(s.bias()[d]).isCloseTo(m, within(1e-6));
        }
    }

    /**
     * K-prune's published solve keeps the bias it is given and solves the uncentred normal equations of t − b: it
     * recovers an exact map when given the true bias, and otherwise returns the least-squares solution without an
     * intercept (XᵀX·V = Xᵀ(T − b), checked on its residual); a unit whose input is 0 on every row (a singular Gram) gets
     * the least-norm answer, a zero row.
     */
    @Test
    void keptBiasSolveIsTheUncentredLeastSquaresOfTheTargetLessTheBias() {
        Random r = new Random(13);
        float[] x = gaussian(r, N * K), t = new float[N * D];
        for (int n = 0; n < N; n++) x[n * K + 2] = 0f;            // input 2 never fires
        double[] w = new double[K * D];
        float[] b = new float[D];
        for (int i = 0; i < w.length; i++) w[i] = i / D == 2 ? 0 : r.nextGaussian();
        for (int d = 0; d < D; d++) b[d] = (float) (3 * r.nextGaussian());
        for (int n = 0; n < N; n++) for (int d = 0; d < D; d++) {
            double s = b[d];
            for (int k = 0; k < K; k++) s += x[n * K + k] * w[k * D + d];
            t[n * D + d] = (float) s;
        }
        ProjectionFit fit = new ProjectionFit(K, D);
        fit.add(x, t, N);
        ProjectionFit.Solution exact = fit.solveKeptBias(b);
        for (int i = 0; i < w.length; i++) assertThat(exact.v()[i]).isCloseTo(w[i], within(1e-4));
        for (int d = 0; d < D; d++) assertThat(exact.bias()[d]).isEqualTo(b[d]);
        // another bias: the kept block absorbs what it can of the offset (no intercept), and the residual is orthogonal to X
        float[] other = new float[D];
        ProjectionFit.Solution s = fit.solveKeptBias(other);
        for (int d = 0; d < D; d++) assertThat(s.bias()[d]).isZero();
        for (int d = 0; d < D; d++) assertThat(s.v()[2 * D + d]).isCloseTo(0, within(1e-9));
        for (int k = 0; k < K; k++) for (int d = 0; d < D; d++) {
            double g = 0;
            for (int n = 0; n < N; n++) {
                double y = t[n * D + d];
                for (int j = 0; j < K; j++) y -= x[n * K + j] * s.v()[j * D + d];
                g += x[n * K + k] * y;
            }
            assertThat(g).as("Xᵀ residual, input %d output %d", k, d).isCloseTo(0, within(1e-3 * N));
        }
        assertThat(new ProjectionFit(K, D).solveKeptBias(b)).isNull();   // no rows
    }

    static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    static float[] slice(float[] a, int from, int to, int width) {
        return java.util.Arrays.copyOfRange(a, from * width, to * width);
    }

    static double norm(double[] v) { double s = 0; for (double x : v) s += x * x; return Math.sqrt(s); }
}
