package dev.optin.pruning;

import dev.optin.engine.Gemm;
import org.ejml.data.DMatrixRMaj;

/**
 * Normal equations of the mask-tuning least squares (spec §4) without forming the
 * [tokens·D × units] matrix A. Unit g contributes a_g = X[:, g]·W[:, g]ᵀ (a group of feature
 * columns: the d_h context columns of a head, or one FFN activation) and a last column of
 * ones models the bias. Accumulated directly:
 * (AᵀA)_{gg'} = Σ_{i∈g, j∈g'} (XᵀX)_{ij}·(WᵀW)_{ij},  (Aᵀb)_g = Σ_{t, i∈g} X_{ti}·(b·W)_{ti}.
 */
final class BlockLeastSquares {
    private final int[][] groups;      // column indices of each unit's features
    private final int[] cols;          // all used columns, concatenated in group order
    private final int D, K;            // output width, used feature columns
    private final float[] w;           // [D×K] used columns of W
    private final double[] wtw;        // [K×K]
    private final double[] colSum;     // Σ_d W[d, i]
    private final double[] xtx;        // [K×K] accumulated
    private final double[] xtp;        // [K] Σ_t X_ti (bW)_ti
    private final double[] xSum;       // [K] Σ_t X_ti
    private double ones, onesB;

    /** weight: [D][fullWidth] row-major (PyTorch layout of the projection that consumes the features). */
    BlockLeastSquares(int[][] groups, float[] weight, int D, int fullWidth) {
        this.groups = groups; this.D = D;
        int k = 0;
        for (int[] g : groups) k += g.length;
        K = k;
        cols = new int[K];
        int p = 0;
        for (int[] g : groups) for (int i : g) cols[p++] = i;
        w = new float[D * K];
        for (int d = 0; d < D; d++) for (int i = 0; i < K; i++) w[d * K + i] = weight[d * fullWidth + cols[i]];
        float[] g = new float[K * K];
        Gemm.symmetric(true, K, D, w, 0, K, g);
        wtw = new double[K * K];
        for (int i = 0; i < g.length; i++) wtw[i] = g[i];
        colSum = new double[K];
        for (int d = 0; d < D; d++) for (int i = 0; i < K; i++) colSum[i] += w[d * K + i];
        xtx = new double[K * K]; xtp = new double[K]; xSum = new double[K];
    }

    int units() { return groups.length; }

    /**
     * Adds rows of features x [n×fullWidth] with targets b [n×D] (rows: which rows to use, null = all).
     */
    void add(float[] x, int fullWidth, float[] b, int n, int[] rows) {
        int[] use = rows;
        if (use == null) { use = new int[n]; for (int i = 0; i < n; i++) use[i] = i; }
        final int chunk = 2048;
        for (int r0 = 0; r0 < use.length; r0 += chunk) {
            int m = Math.min(chunk, use.length - r0);
            float[] xs = new float[m * K], bs = new float[m * D];
            for (int r = 0; r < m; r++) {
                int src = use[r0 + r];
                for (int i = 0; i < K; i++) xs[r * K + i] = x[src * fullWidth + cols[i]];
                System.arraycopy(b, src * D, bs, r * D, D);
            }
            float[] g = new float[K * K];
            Gemm.symmetric(true, K, m, xs, 0, K, g);
            for (int i = 0; i < g.length; i++) xtx[i] += g[i];
            float[] p = new float[m * K];
            Gemm.gemm(false, false, m, K, D, bs, 0, D, w, 0, K, p, 0, K, false);
            for (int r = 0; r < m; r++)
                for (int i = 0; i < K; i++) { xtp[i] += (double) xs[r * K + i] * p[r * K + i]; xSum[i] += xs[r * K + i]; }
            for (float v : bs) onesB += v;
            ones += (double) m * D;
        }
    }

    /** AᵀA of size (units+1)², the last index being the ones column. */
    double[][] gram() {
        int U = groups.length;
        double[][] a = new double[U + 1][U + 1];
        int[] start = new int[U + 1];
        for (int g = 0; g < U; g++) start[g + 1] = start[g] + groups[g].length;
        for (int g = 0; g < U; g++) {
            for (int h = 0; h < U; h++) {
                double s = 0;
                for (int i = start[g]; i < start[g + 1]; i++)
                    for (int j = start[h]; j < start[h + 1]; j++) s += xtx[i * K + j] * wtw[i * K + j];
                a[g][h] = s;
            }
            double s = 0;
            for (int i = start[g]; i < start[g + 1]; i++) s += xSum[i] * colSum[i];
            a[g][U] = a[U][g] = s;
        }
        a[U][U] = ones;
        return a;
    }

    /** Aᵀb, the last entry for the ones column. */
    double[] rhs() {
        int U = groups.length;
        double[] r = new double[U + 1];
        int p = 0;
        for (int g = 0; g < U; g++) for (int ignored : groups[g]) r[g] += xtp[p++];
        r[U] = onesB;
        return r;
    }

    /**
     * Damped least squares on the deviation from the unpruned fit: the units' scales start at 1 and
     * the bias column at 0 (no extra offset), s̄ = (1, …, 1, 0); (AᵀA + λI)·δ = Aᵀb − AᵀA·s̄, s = s̄ + δ.
     * (A baseline of 1 for the bias column would make the damping pull towards an offset of 1 on every
     * output, which the correlated unit scales then partly absorb: even a teacher equal to the student
     * would get scales ≠ 1.) Returns null when the system cannot be solved or the solution is not finite.
     */
    double[] solve(double damping) {
        return solveDamped(gram(), rhs(), damping);
    }

    /** ata, atb with the bias (ones) column last. */
    static double[] solveDamped(double[][] ata, double[] atb, double damping) {
        int n = atb.length;
        double[] base = new double[n];
        java.util.Arrays.fill(base, 0, n - 1, 1.0);
        DMatrixRMaj m = new DMatrixRMaj(n, n), r = new DMatrixRMaj(n, 1), x = new DMatrixRMaj(n, 1);
        for (int i = 0; i < n; i++) {
            double fitted = 0;
            for (int j = 0; j < n; j++) { m.set(i, j, ata[i][j] + (i == j ? damping : 0)); fitted += ata[i][j] * base[j]; }
            r.set(i, 0, atb[i] - fitted);
        }
        if (!SymmetricSolve.solve(m, r, x, SymmetricSolve.LEAST_SQUARES)) return null;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = base[i] + x.get(i, 0);
            if (!Double.isFinite(s[i])) return null;
        }
        return s;
    }

}
