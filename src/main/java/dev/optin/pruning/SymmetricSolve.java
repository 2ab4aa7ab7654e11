package dev.optin.pruning;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.function.IntFunction;

/**
 * The one way this package solves normal equations A·X = B (A symmetric, n×n): Cholesky first, on a copy of A
 * (EJML decomposes in place, and a failed decomposition leaves its input half overwritten), then the caller's fallback
 * (a QR least-squares solver, or the pseudo-inverse where a singular system must still give its least-norm answer)
 * on the untouched A.
 */
final class SymmetricSolve {
    private SymmetricSolve() {}

    /** QR least squares: the fallback of the damped solves. */
    static final IntFunction<LinearSolverDense<DMatrixRMaj>> LEAST_SQUARES = n -> LinearSolverFactory_DDRM.leastSquares(n, n);
    /** The SVD pseudo-inverse: the fallback of an undamped solve whose system may be singular. */
    static final IntFunction<LinearSolverDense<DMatrixRMaj>> PSEUDO_INVERSE = n -> LinearSolverFactory_DDRM.pseudoInverse(true);

    /** Solves a·x = b into x; false when neither Cholesky nor the fallback (given n) decomposes a. a is left as given. */
    static boolean solve(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj x, IntFunction<LinearSolverDense<DMatrixRMaj>> fallback) {
        int n = a.numRows;
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(n);
        if (!solver.setA(solver.modifiesA() ? a.copy() : a)) {
            solver = fallback.apply(n);
            if (!solver.setA(solver.modifiesA() ? a.copy() : a)) return false;
        }
        solver.solve(b, x);
        return true;
    }
}
