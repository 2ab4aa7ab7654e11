package dev.optin.pruning;

import dev.optin.engine.Gemm;
import org.ejml.data.DMatrixRMaj;

/**
 * Ridge least squares for the kept block of one output projection (spec §7, K-prune's
 * reconstruction): rows x [n×K] (the kept units' inputs, gate values applied) and targets
 * t [n×D] accumulate the centred normal equations, and {@link #solve} returns
 * V [K×D] and b [D] minimising ‖X·V + 1·bᵀ − T‖² + λ·‖V‖² with an unpenalised intercept,
 * λ = damping · mean(diag(Cov(X)))·n (the damping is relative to the Gram diagonal, so it does
 * not depend on the scale of the inputs). {@link #solveBias} keeps the given weights and refits
 * only the bias (the cheapest special case: bias compensation). Accumulation is in double over
 * float products of fixed chunks, so results do not depend on the thread count.
 */
final class ProjectionFit {
    private final int K, D;
    private final double[] xtx;   // [K×K] Σ x xᵀ, upper triangle (i ≤ j) only: the lower one is its mirror
    private float[] gram;         // one chunk's Gram (upper triangle), reused from chunk to chunk
    private float[] xT;           // one chunk's x transposed [K×m], reused (grows to the largest chunk)
    private float[] xtChunk;      // one chunk's Xᵀ·T [K×D], reused
    private final double[] xtt;   // [K×D] Σ x tᵀ
    private final double[] xSum, tSum;
    private long n;

    ProjectionFit(int kept, int outputs) {
        K = kept; D = outputs;
        xtx = new double[K * K]; xtt = new double[K * D]; xSum = new double[K]; tSum = new double[D];
    }

    int kept() { return K; }
    long rows() { return n; }

    /** Adds m rows: x [m×K] row-major, t [m×D] row-major. */
    void add(float[] x, float[] t, int m) {
        if (K > 0) {
            if (gram == null) gram = new float[K * K];
            if (xT == null || xT.length < K * m) xT = new float[K * m];
            // Xᵀ once, then both products read it in row order (the same multiply-adds in the same order as reading
            // x transposed, so the same bits, without re-gathering x for each of the Gram's column blocks)
            float[] g = gram, a = xT;
            Gemm.transpose(x, m, K, a);
            Gemm.symmetricUpper(false, K, m, a, 0, m, g);
            for (int i = 0; i < K; i++) for (int j = i; j < K; j++) xtx[i * K + j] += g[i * K + j];
            if (xtChunk == null) xtChunk = new float[K * D];
            float[] p = xtChunk;
            Gemm.gemm(false, false, K, D, m, a, 0, m, t, 0, D, p, 0, D, false);
            for (int i = 0; i < p.length; i++) xtt[i] += p[i];
            for (int r = 0; r < m; r++) for (int i = 0; i < K; i++) xSum[i] += x[r * K + i];
        }
        for (int r = 0; r < m; r++) for (int d = 0; d < D; d++) tSum[d] += t[r * D + d];
        n += m;
    }

    /**
     * The fit of the inputs cols (ascending indices of this fit's K inputs) alone, to the same targets: the same sums
     * as adding the same chunks' columns cols, since every entry of the Gram and of Xᵀ·T is one dot product over the
     * rows, summed in row order whichever other columns share the product. For a sub-layer whose kept units were
     * chosen from this fit (every unit's inputs, gates 1): the kept block's fit without a second pass over the data.
     */
    ProjectionFit restrictedTo(int[] cols) {
        ProjectionFit f = new ProjectionFit(cols.length, D);
        for (int a = 0; a < cols.length; a++) {
            int i = cols[a];
            if (i < 0 || i >= K || (a > 0 && i <= cols[a - 1])) throw new IllegalArgumentException("columns must ascend within 0.." + (K - 1));
            for (int b = a; b < cols.length; b++) f.xtx[a * f.K + b] = xtx[i * K + cols[b]];
            System.arraycopy(xtt, i * D, f.xtt, a * D, D);
            f.xSum[a] = xSum[i];
        }
        System.arraycopy(tSum, 0, f.tSum, 0, D);
        f.n = n;
        return f;
    }

    /** Σ x_i x_j over the rows added, from the stored upper triangle. */
    private double sumXX(int i, int j) { return xtx[Math.min(i, j) * K + Math.max(i, j)]; }

    /** Weights V [K×D] (row i: how input i feeds each output) and bias [D]. */
    record Solution(double[] v, double[] bias) {}

    /** The ridge solution, or null when the system cannot be solved or is not finite. */
    Solution solve(double damping) {
        NormalEquations eq = normalEquations(damping);
        if (eq == null) return null;
        if (K == 0) return new Solution(new double[0], eq.meanT().clone());
        DMatrixRMaj a = new DMatrixRMaj(K, K, true, eq.a()), r = new DMatrixRMaj(K, D, true, eq.r()), v = new DMatrixRMaj(K, D);
        if (!SymmetricSolve.solve(a, r, v, SymmetricSolve.LEAST_SQUARES)) return null;
        double[] out = v.getData().clone(), b = eq.meanT().clone();
        for (int i = 0; i < K; i++) for (int d = 0; d < D; d++) b[d] -= eq.meanX()[i] * out[i * D + d];
        for (double x : out) if (!Double.isFinite(x)) return null;
        for (double x : b) if (!Double.isFinite(x)) return null;
        return new Solution(out, b);
    }

    /**
     * K-prune's published solve (its code's {@code lstsq(XᵀX, Xᵀ(T − b))}): the bias b [D] (null: zero) is kept and V [K×D]
     * solves the uncentred normal equations Σ x xᵀ · V = Σ x (t − b)ᵀ, undamped; where they are singular (a unit whose
     * input is 0 on every row) the pseudo-inverse's least-norm solution. Null when no row was added or the result is
     * not finite.
     */
    Solution solveKeptBias(float[] b) {
        if (n == 0) return null;
        double[] bias = new double[D];
        if (b != null) for (int d = 0; d < D; d++) bias[d] = b[d];
        if (K == 0) return new Solution(new double[0], bias);
        double[] a = new double[K * K], r = new double[K * D];
        for (int i = 0; i < K; i++) {
            for (int j = 0; j < K; j++) a[i * K + j] = sumXX(i, j);
            for (int d = 0; d < D; d++) r[i * D + d] = xtt[i * D + d] - xSum[i] * bias[d];
        }
        DMatrixRMaj am = new DMatrixRMaj(K, K, true, a), rm = new DMatrixRMaj(K, D, true, r), v = new DMatrixRMaj(K, D);
        if (!SymmetricSolve.solve(am, rm, v, SymmetricSolve.PSEUDO_INVERSE)) return null;
        double[] out = v.getData().clone();
        for (double x : out) if (!Double.isFinite(x)) return null;
        return new Solution(out, bias);
    }

    /**
     * The centred, damped normal equations of {@link #solve}: A = Cov(X)·n + λ·I [K×K] and R = Σ (x − x̄)(t − t̄)ᵀ
     * [K×D], both row-major, with the means x̄ [K] and t̄ [D]; null when no row was added.
     */
    record NormalEquations(double[] a, double[] r, double[] meanX, double[] meanT) {}

    NormalEquations normalEquations(double damping) {
        if (n == 0) return null;
        double[] mx = new double[K], mt = new double[D];
        for (int i = 0; i < K; i++) mx[i] = xSum[i] / n;
        for (int d = 0; d < D; d++) mt[d] = tSum[d] / n;
        double diag = 0;
        for (int i = 0; i < K; i++) diag += xtx[i * K + i] - n * mx[i] * mx[i];
        double lambda = damping * Math.max(diag / Math.max(K, 1), 1e-30);
        double[] a = new double[K * K], r = new double[K * D];
        for (int i = 0; i < K; i++) {
            for (int j = 0; j < K; j++) a[i * K + j] = sumXX(i, j) - n * mx[i] * mx[j] + (i == j ? lambda : 0);
            for (int d = 0; d < D; d++) r[i * D + d] = xtt[i * D + d] - n * mx[i] * mt[d];
        }
        return new NormalEquations(a, r, mx, mt);
    }

    /**
     * Σ over the rows of ‖t − (x·V + b)‖² / (1 − h)², the leave-one-out residuals of the ridge fit s (solved with this
     * damping on exactly these rows): h = 1/n + (x − x̄)ᵀ A⁻¹ (x − x̄) is the row's leverage with A the damped, centred
     * Gram of {@link #normalEquations}. The standard closed form for ridge with an intercept (exact up to the
     * intercept's and λ's dependence on the left-out row). xs [m_i×K] and ts [m_i×D] per chunk, as given to {@link #add}.
     */
    double leaveOneOutError(Solution s, java.util.List<float[]> xs, java.util.List<float[]> ts, double damping) {
        NormalEquations eq = normalEquations(damping);
        DMatrixRMaj inv = new DMatrixRMaj(K, K);
        if (K > 0 && !org.ejml.dense.row.CommonOps_DDRM.invert(new DMatrixRMaj(K, K, true, eq.a()), inv)) return Double.POSITIVE_INFINITY;
        double[] ai = inv.getData(), z = new double[K];
        double e = 0;
        for (int chunk = 0; chunk < xs.size(); chunk++) {
            float[] x = xs.get(chunk), t = ts.get(chunk);
            int m = t.length / D;
            for (int row = 0; row < m; row++) {
                for (int i = 0; i < K; i++) z[i] = x[row * K + i] - eq.meanX()[i];
                double h = 1.0 / n;
                for (int i = 0; i < K; i++) {
                    double acc = 0;
                    for (int j = 0; j < K; j++) acc += ai[i * K + j] * z[j];
                    h += z[i] * acc;
                }
                double scale = h < 1 ? 1 / ((1 - h) * (1 - h)) : Double.POSITIVE_INFINITY;
                for (int d = 0; d < D; d++) {
                    double p = s.bias()[d];
                    for (int i = 0; i < K; i++) p += x[row * K + i] * s.v()[i * D + d];
                    double r = t[row * D + d] - p;
                    e += r * r * scale;
                }
            }
        }
        return e;
    }

    /** Keeps V (given [K×D]) and refits the bias alone: b = mean(T) − Vᵀ·mean(X). */
    double[] solveBias(double[] v) {
        double[] b = new double[D];
        for (int d = 0; d < D; d++) b[d] = tSum[d] / n;
        for (int i = 0; i < K; i++) {
            double m = xSum[i] / n;
            for (int d = 0; d < D; d++) b[d] -= m * v[i * D + d];
        }
        return b;
    }
}
