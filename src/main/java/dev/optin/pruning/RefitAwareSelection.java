package dev.optin.pruning;

import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Which units of one sub-layer to keep when its output projection is refitted afterwards
 * ({@link ProjectionFit}): greedy backward elimination in the manner of structured OBS. With all
 * units' ridge solution V = A⁻¹R, removing the group S of columns and refitting the others raises
 * the squared error by tr(V_Sᵀ (A⁻¹_SS)⁻¹ V_S) exactly; the unit whose removal costs least
 * (that error times {@code lossScale}, plus the unit's {@code fixed} cost, e.g. a predictive term)
 * goes, V and A⁻¹ are downdated to the remaining columns, and the search repeats. With a diagonal
 * A and no refit the error is Σ x² · Σ W², the representational term K-prune scores with, so this
 * is that term once the refit that follows is taken into account.
 *
 * <p>Deterministic for any thread count: per-unit errors and per-row downdates are independent; ties go
 * to the lowest unit index.
 */
final class RefitAwareSelection {
    private RefitAwareSelection() {}

    /**
     * @param eq     normal equations over every unit's columns (unit u owns columns u·width … u·width + width − 1)
     * @param fixed  per unit, a cost added to the refit error (same units as lossScale · error)
     * @param keep   how many units stay
     * @return the 0/1 mask of the kept units
     */
    static float[] choose(ProjectionFit.NormalEquations eq, int units, int width, int outputs, double[] fixed, double lossScale, int keep) {
        int K = units * width, D = outputs;
        if (keep < 0 || keep > units) throw new IllegalArgumentException("cannot keep " + keep + " of " + units + " units");
        float[] mask = new float[units];
        java.util.Arrays.fill(mask, 1f);
        if (keep == units) return mask;
        DMatrixRMaj a = new DMatrixRMaj(K, K, true, eq.a());
        DMatrixRMaj inv = new DMatrixRMaj(K, K);
        if (!CommonOps_DDRM.invertSPD(a, inv) && !CommonOps_DDRM.invert(a, inv))
            throw new IllegalStateException("the inputs' covariance of a sub-layer could not be inverted");
        double[] h = inv.getData();
        double[] v = product(h, eq.r(), K, D);
        boolean[] alive = new boolean[units];
        java.util.Arrays.fill(alive, true);
        double[] cost = new double[units];
        for (int removed = 0; removed < units - keep; removed++) {
            // every live unit's cost on the current state (independent per unit), then the first minimum
            Parallel.forEach(chunks(units), ch -> {
                for (int u = ch * CHUNK; u < Math.min(units, (ch + 1) * CHUNK); u++)
                    if (alive[u]) cost[u] = fixed[u] + lossScale * removalError(h, v, K, D, u * width, width);
            });
            int best = -1;
            for (int u = 0; u < units; u++) if (alive[u] && (best < 0 || cost[u] < cost[best])) best = u;
            downdate(h, v, K, D, best * width, width, groupInverse(h, K, best * width, width), alive, width);
            alive[best] = false;
            mask[best] = 0f;
        }
        return mask;
    }

    private static final int CHUNK = 32;

    /**
     * C = A·B for A [K×K] and B [K×D], row-major, with the arithmetic of EJML's {@code CommonOps_DDRM.mult} at these
     * sizes (its row-reordered product: C[i,:] = A[i,0]·B[0,:], then C[i,:] += A[i,k]·B[k,:] for k in order), so the
     * same bits, but on every thread and four lanes: row i's sums are independent of the others.
     */
    static double[] product(double[] a, double[] b, int K, int D) {
        double[] c = new double[K * D];
        if (K == 0) return c;
        Parallel.forEach(chunks(K), ch -> {   // a chunk's rows of C stay in cache while B's rows pass once
            int i0 = ch * CHUNK, i1 = Math.min(K, i0 + CHUNK);
            for (int i = i0; i < i1; i++) for (int d = 0; d < D; d++) c[i * D + d] = a[i * K] * b[d];
            for (int k = 1; k < K; k++)
                for (int i = i0; i < i1; i++) Ops.subtractScaled(c, i * D, -a[i * K + k], b, k * D, D);   // c − (−a)·b = c + a·b exactly
        });
        return c;
    }

    private static int chunks(int n) { return (n + CHUNK - 1) / CHUNK; }

    /** tr(V_Sᵀ (A⁻¹_SS)⁻¹ V_S): the squared error added by refitting without columns s0 … s0 + w − 1. */
    private static double removalError(double[] h, double[] v, int K, int D, int s0, int w) {
        if (w == 1) {
            double m = 1.0 / h[s0 * K + s0], err = 0;
            for (int d = 0; d < D; d++) { double x = v[s0 * D + d]; err += x * m * x; }
            return err;
        }
        double[][] m = groupInverse(h, K, s0, w);
        double err = 0;
        for (int d = 0; d < D; d++)
            for (int i = 0; i < w; i++) {
                double vi = v[(s0 + i) * D + d];
                for (int j = 0; j < w; j++) err += vi * m[i][j] * v[(s0 + j) * D + d];
            }
        return err;
    }

    /** (A⁻¹_SS)⁻¹ for S = columns s0 … s0 + w − 1. */
    private static double[][] groupInverse(double[] h, int K, int s0, int w) {
        if (w == 1) return new double[][] {{1.0 / h[s0 * K + s0]}};
        DMatrixRMaj s = new DMatrixRMaj(w, w), si = new DMatrixRMaj(w, w);
        for (int i = 0; i < w; i++) for (int j = 0; j < w; j++) s.set(i, j, h[(s0 + i) * K + s0 + j]);
        if (!CommonOps_DDRM.invert(s, si)) throw new IllegalStateException("a unit's block of the inverse covariance is singular");
        double[][] m = new double[w][w];
        for (int i = 0; i < w; i++) for (int j = 0; j < w; j++) m[i][j] = si.get(i, j);
        return m;
    }

    /**
     * V −= A⁻¹[:,S]·M·V_S and A⁻¹ −= A⁻¹[:,S]·M·A⁻¹[S,:] on the live units' rows (M = (A⁻¹_SS)⁻¹); rows are
     * independent, so the parallel loop gives the same numbers for any thread count.
     */
    private static void downdate(double[] h, double[] v, int K, int D, int s0, int w, double[][] m, boolean[] aliveUnits, int width) {
        double[] vs = new double[w * D], hs = new double[w * K];
        for (int j = 0; j < w; j++) {
            System.arraycopy(v, (s0 + j) * D, vs, j * D, D);
            System.arraycopy(h, (s0 + j) * K, hs, j * K, K);
        }
        Parallel.forEach(chunks(K), ch -> {
            int i0 = ch * CHUNK, i1 = Math.min(K, i0 + CHUNK);
            // F = A⁻¹[i,S]·M for the chunk's rows first: reading A⁻¹[i,S] row after row is a cache miss per row, and
            // issued together (before any row is downdated) the misses overlap instead of each waiting out a sweep
            double[] f = new double[(i1 - i0) * w];
            for (int i = i0; i < i1; i++) {
                if (!aliveUnits[i / width]) continue;
                for (int j = 0; j < w; j++) {
                    double sum = 0;
                    for (int k = 0; k < w; k++) sum += h[i * K + s0 + k] * m[k][j];
                    f[(i - i0) * w + j] = sum;
                }
            }
            for (int i = i0; i < i1; i++) {
                if (!aliveUnits[i / width]) continue;
                for (int j = 0; j < w; j++) {
                    double fij = f[(i - i0) * w + j];
                    if (fij == 0) continue;
                    Ops.subtractScaled(v, i * D, fij, vs, j * D, D);
                    Ops.subtractScaled(h, i * K, fij, hs, j * K, K);
                }
            }
        });
    }
}
