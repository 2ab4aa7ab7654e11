package dev.optin.engine;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised GELU and softmax (loaded only when the Vector API module is present). exp is
 * Cephes' single-precision expf (range reduction by ln 2, degree-5 polynomial, about 1 ulp);
 * erf is the same Numerical Recipes erfc formula as {@link Ops#erf}, evaluated in float.
 * Tails shorter than a vector use the scalar functions.
 */
final class VectorMath implements MathKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5·2^23: adding it rounds to an integer kept in the low mantissa bits
    private static final int ROUND_BITS = 0x4B400000;
    private static final float INV_SQRT2 = 0.70710678118654752f;

    private static FloatVector bc(float v) { return FloatVector.broadcast(S, v); }

    /*
     * Why exp and Φ run as short loops over arrays (erfcArgs, expInPlace, geluFinish) instead of one loop calling
     * exp(FloatVector) and cdf(FloatVector): C2 on JDK 17 sometimes left the bit casts of exp (reinterpretAsInts /
     * reinterpretAsFloats) as Java fallbacks (AbstractVector.convert0: a heap object per vector) when they sat in one
     * large loop body with the rest of GELU; which compile hit that differed from JVM to JVM. In about one JVM in
     * three the MiniLM forward at 1×128 then spent 17-20% of its samples there and ran 15-25% slower (old code, and
     * also with everything written out in one loop; docs/measurements.md, 2026-12-03). Loops of at most ~20 vector
     * operations (as softmax's was) compiled cleanly. Between the passes the values go through float arrays, which
     * changes no bit: the operations and their order are exactly those of exp and cdf (kept as references for the tests).
     *
     * The short loops must also be compiled apart: inlined together into the loop over chunks that calls them
     * they exceeded C2's node budget for one compilation (NodeCountInliningCutoff, seen in -XX:+LogCompilation), and
     * the Vector API calls parsed after that point (expInPlace's store) stayed uninlined and boxed: 12% of a 1×128
     * forward's samples, in every JVM on the Intel AVX-512 machine (2026-12-03). So the chunk loops run their passes
     * through {@link #run}, one call site that sees several {@link Pass} classes: C2 does not inline such a
     * megamorphic call, and each pass is compiled on its own, small enough for its whole body to be intrinsified.
     */

    /** One short loop over a chunk of len floats (a multiple of L). Arguments a pass does not use are ignored. */
    private abstract static class Pass {
        abstract void run(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len);
    }

    /** t and e from x: the first part of {@link #cdf}. */
    private static final class ErfcArgs extends Pass {
        @Override void run(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len) { erfcArgs(src, so, t, e, len); }
    }

    /** e = exp(e). */
    private static final class Exp extends Pass {
        @Override void run(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len) { expInPlace(e, 0, len); }
    }

    /** dst = x·Φ(x) (· gate). */
    private static final class GeluFinish extends Pass {
        @Override void run(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len) { geluFinish(src, so, t, e, gate, gOff, dst, dOff, len); }
    }

    /** dst = Φ(x). */
    private static final class CdfFinish extends Pass {
        @Override void run(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len) { cdfFinish(src, so, t, e, dst, dOff, len); }
    }

    /** e = -x²/2, the argument of φ's exponential. */
    private static final class PdfArg extends Pass {
        @Override void run(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len) { pdfArg(src, so, e, len); }
    }

    /** dst += x·φ(x) from e = exp(-x²/2). */
    private static final class AddXPdfFinish extends Pass {
        @Override void run(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len) { addXPdfFinish(src, so, e, dst, dOff, len); }
    }

    private static final Pass[] GELU = {new ErfcArgs(), new Exp(), new GeluFinish()};
    private static final Pass[] CDF = {GELU[0], GELU[1], new CdfFinish()};
    private static final Pass[] X_PDF = {new PdfArg(), GELU[1], new AddXPdfFinish()};

    /**
     * Runs the passes over [0, end) (a multiple of L) in chunks whose intermediates stay in two per-thread scratch rows.
     * The call p.run is the megamorphic site that keeps the passes apart (see above); do not specialise it per pipeline.
     */
    private static void run(Pass[] passes, float[] src, int so, float[] gate, int gOff, float[] dst, int dOff, int end) {
        if (end > 0) run(passes, SCRATCH.get(), src, so, gate, gOff, dst, dOff, end);
    }

    /** As above with this thread's scratch rows (the first two hold the intermediates). */
    private static void run(Pass[] passes, float[][] scratch, float[] src, int so, float[] gate, int gOff, float[] dst, int dOff, int end) {
        float[] t = scratch[0], e = scratch[1];
        for (int c0 = 0; c0 < end; c0 += CHUNK) {
            int len = Math.min(CHUNK, end - c0);
            for (Pass p : passes) p.run(src, so + c0, t, e, gate, gate == null ? 0 : gOff + c0, dst, dOff + c0, len);
        }
    }

    /** e^x for x in float range; clamped to [-87, 88] so the exponent stays normal. The loops below inline these operations. */
    static FloatVector exp(FloatVector x) {
        x = x.max(-87f).min(88f);
        FloatVector t = x.fma(bc(LOG2E), bc(ROUND));
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(bc(-LN2_HI), x);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(bc(1.9875691500E-4f), bc(1.3981999507E-3f));
        p = p.fma(r, bc(8.3334519073E-3f));
        p = p.fma(r, bc(4.1665795894E-2f));
        p = p.fma(r, bc(1.6666665459E-1f));
        p = p.fma(r, bc(5.0000001201E-1f));
        FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    /** Floats per pass of the split loops below (two scratch rows of this size per thread stay in L1). */
    private static final int CHUNK = 512;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][CHUNK]);

    @Override
    public void gelu(float[] src, int so, float[] gate, int gOff, float[] dst, int dOff, int n) {
        int end = S.loopBound(n);
        run(GELU, src, so, gate, gOff, dst, dOff, end);
        for (int i = end; i < n; i++) dst[dOff + i] = Ops.gelu(src[so + i]) * (gate == null ? 1f : gate[gOff + i]);
    }

    /**
     * A GEMM tile (8 rows × 48 columns with AVX-512) is too short a run for {@link #run}'s per-call cost (a thread-local
     * lookup and three megamorphic calls per row of 3 vectors): when its rows are whole vectors and fit one chunk, they
     * are gathered into the third scratch row, run through the passes once, and scattered back with the gate applied
     * (x·Φ(x) first, then · gate, as {@link #geluFinish} does: the same bits as row by row).
     */
    @Override
    public void geluTile(float[] c, int co, int ldc, int rows, float[] gate, int gOff, int n) {
        if (n % L != 0 || rows * n > CHUNK) {
            for (int r = 0; r < rows; r++) gelu(c, co + r * ldc, gate, gOff, c, co + r * ldc, n);
            return;
        }
        float[][] scratch = SCRATCH.get();
        float[] x = scratch[2];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j += L) FloatVector.fromArray(S, c, co + r * ldc + j).intoArray(x, r * n + j);
        int len = rows * n;
        run(GELU, scratch, x, 0, null, 0, x, 0, len);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j += L) {
                FloatVector v = FloatVector.fromArray(S, x, r * n + j);
                if (gate != null) v = v.mul(FloatVector.fromArray(S, gate, gOff + j));
                v.intoArray(c, co + r * ldc + j);
            }
    }

    /** Φ(x) via erfc(|x|/√2)/2 = Φ(-|x|) (GELU and its derivative use the same operations; the reference for the loops). */
    static FloatVector cdf(FloatVector x) {
        FloatVector z = x.abs().mul(INV_SQRT2);
        FloatVector t = z.fma(bc(0.5f), bc(1f));
        t = FloatVector.broadcast(S, 1f).div(t);
        FloatVector q = t.fma(bc(0.17087277f), bc(-0.82215223f));
        q = q.fma(t, bc(1.48851587f));
        q = q.fma(t, bc(-1.13520398f));
        q = q.fma(t, bc(0.27886807f));
        q = q.fma(t, bc(-0.18628806f));
        q = q.fma(t, bc(0.09678418f));
        q = q.fma(t, bc(0.37409196f));
        q = q.fma(t, bc(1.00002368f));
        q = q.fma(t, bc(-1.26551223f));
        FloatVector half = t.mul(exp(q.sub(z.mul(z)))).mul(0.5f); // erfc(z)/2 = Φ(-|x|)
        return half.blend(FloatVector.broadcast(S, 1f).sub(half), x.compare(VectorOperators.GE, 0f));
    }

    /** The first part of {@link #cdf} for len floats (a multiple of L): t = 1/(1 + |x|/(2√2)) and the exponent arg = q(t) - x²/2. */
    private static void erfcArgs(float[] src, int so, float[] t, float[] arg, int len) {
        FloatVector one = bc(1f);
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(S, src, so + i);
            FloatVector z = x.abs().mul(INV_SQRT2);
            FloatVector tv = one.div(z.fma(bc(0.5f), one));
            FloatVector q = tv.fma(bc(0.17087277f), bc(-0.82215223f));
            q = q.fma(tv, bc(1.48851587f));
            q = q.fma(tv, bc(-1.13520398f));
            q = q.fma(tv, bc(0.27886807f));
            q = q.fma(tv, bc(-0.18628806f));
            q = q.fma(tv, bc(0.09678418f));
            q = q.fma(tv, bc(0.37409196f));
            q = q.fma(tv, bc(1.00002368f));
            q = q.fma(tv, bc(-1.26551223f));
            tv.intoArray(t, i);
            q.sub(z.mul(z)).intoArray(arg, i);
        }
    }

    /** a[off..off+len) = exp(a[off..off+len)) (len a multiple of L): the operations of {@link #exp}. */
    private static void expInPlace(float[] a, int off, int len) {
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i).max(-87f).min(88f);
            FloatVector t = x.fma(bc(LOG2E), bc(ROUND));
            FloatVector n = t.sub(ROUND);
            FloatVector r = n.fma(bc(-LN2_HI), x);
            r = n.fma(bc(-LN2_LO), r);
            FloatVector p = r.fma(bc(1.9875691500E-4f), bc(1.3981999507E-3f));
            p = p.fma(r, bc(8.3334519073E-3f));
            p = p.fma(r, bc(4.1665795894E-2f));
            p = p.fma(r, bc(1.6666665459E-1f));
            p = p.fma(r, bc(5.0000001201E-1f));
            FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
            IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
            y.mul(bits.reinterpretAsFloats()).intoArray(a, off + i);
        }
    }

    /** The end of {@link #cdf} and GELU: Φ from t and e = exp(arg), then x·Φ(x) (· gate, when not null). */
    private static void geluFinish(float[] src, int so, float[] t, float[] e, float[] gate, int gOff, float[] dst, int dOff, int len) {
        FloatVector one = bc(1f);
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(S, src, so + i);
            FloatVector half = FloatVector.fromArray(S, t, i).mul(FloatVector.fromArray(S, e, i)).mul(0.5f);
            FloatVector g = x.mul(half.blend(one.sub(half), x.compare(VectorOperators.GE, 0f)));
            if (gate != null) g = g.mul(FloatVector.fromArray(S, gate, gOff + i));
            g.intoArray(dst, dOff + i);
        }
    }

    /** The end of {@link #cdf}: Φ from t and e = exp(arg). */
    private static void cdfFinish(float[] src, int so, float[] t, float[] e, float[] dst, int dOff, int len) {
        FloatVector one = bc(1f);
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(S, src, so + i);
            FloatVector half = FloatVector.fromArray(S, t, i).mul(FloatVector.fromArray(S, e, i)).mul(0.5f);
            half.blend(one.sub(half), x.compare(VectorOperators.GE, 0f)).intoArray(dst, dOff + i);
        }
    }

    /** e = -x²/2. */
    private static void pdfArg(float[] src, int so, float[] e, int len) {
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(S, src, so + i);
            x.mul(x).mul(-0.5f).intoArray(e, i);
        }
    }

    /** dst += x·φ(x), φ(x) = e/√(2π) with e = exp(-x²/2). */
    private static void addXPdfFinish(float[] src, int so, float[] e, float[] dst, int dOff, int len) {
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(S, src, so + i);
            FloatVector pdf = FloatVector.fromArray(S, e, i).mul(INV_SQRT_2PI);
            x.fma(pdf, FloatVector.fromArray(S, dst, dOff + i)).intoArray(dst, dOff + i);
        }
    }

    private static final float INV_SQRT_2PI = 0.39894228040143268f;

    @Override
    public void geluGrad(float[] src, int so, float[] dst, int dOff, int n) {
        // Two loops in two methods (Φ, then x·φ + Φ), not one loop: with both exps in one compiled
        // body C2 on JDK 17 ran out of inlining budget and left Vector API calls uninlined (boxed: 14–50 instead of 5.7 ns per element).
        int end = S.loopBound(n), i = end;
        run(CDF, src, so, null, 0, dst, dOff, end);
        run(X_PDF, src, so, null, 0, dst, dOff, end);
        for (; i < n; i++) dst[dOff + i] = Ops.geluGrad(src[so + i]);
    }

    @Override
    public void geluWithCdf(float[] src, int so, float[] dst, float[] cdf, int n) {
        // Φ by the split loops (cdf() inside one loop body is the shape C2 sometimes left boxed, see above)
        int end = S.loopBound(n), i = 0;
        run(CDF, src, so, null, 0, cdf, so, end);
        for (; i < end; i += L)
            FloatVector.fromArray(S, src, so + i).mul(FloatVector.fromArray(S, cdf, so + i)).intoArray(dst, so + i);   // as gelu: x·Φ(x)
        for (; i < n; i++) dst[so + i] = Ops.gelu(src[so + i]);
    }

    @Override
    public void geluGradFromCdf(float[] src, float[] cdf, int so, float[] dst, int dOff, int n) {
        // geluGrad's two loops with the first (Φ) replaced by the stored values: Φ + x·φ by the same fma
        int end = S.loopBound(n), i = end;
        System.arraycopy(cdf, so, dst, dOff, end);
        run(X_PDF, src, so, null, 0, dst, dOff, end);
        for (; i < n; i++) dst[dOff + i] = Ops.geluGrad(src[so + i]);
    }

    /** Four double lanes: lane i holds the partial sums of elements j ≡ i (mod 4), the order of {@link Ops#sums}. */
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;

    /** Four lanes of {@link #D4} (the double species already in use): a lane-wise product, then difference, as the scalar loop. */
    @Override
    public void subtractScaled(double[] y, int yo, double f, double[] x, int xo, int n) {
        DoubleVector fv = DoubleVector.broadcast(D4, f);
        int i = 0;
        for (int end = D4.loopBound(n); i < end; i += 4)
            DoubleVector.fromArray(D4, y, yo + i).sub(fv.mul(DoubleVector.fromArray(D4, x, xo + i))).intoArray(y, yo + i);
        Ops.subtractScaledPlain(y, yo, f, x, xo, i, n);
    }

    /**
     * Columns in strips of L: each float vector of a row widens into L/4 double vectors, lane i of part p holding
     * column j + 4p + i, so every column's sum is the scalar loop's (widen, square, add, rows in order).
     */
    @Override
    public void addColumnSquares(float[] x, int rows, int width, int j0, int j1, double[] s) {
        int j = j0;
        if (L == 16)
            for (; j + 16 <= j1; j += 16) {
                DoubleVector a0 = DoubleVector.fromArray(D4, s, j), a1 = DoubleVector.fromArray(D4, s, j + 4);
                DoubleVector a2 = DoubleVector.fromArray(D4, s, j + 8), a3 = DoubleVector.fromArray(D4, s, j + 12);
                for (int r = 0, o = j; r < rows; r++, o += width) {
                    FloatVector v = FloatVector.fromArray(S, x, o);
                    DoubleVector d0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D4, 0);
                    DoubleVector d1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D4, 1);
                    DoubleVector d2 = (DoubleVector) v.convertShape(VectorOperators.F2D, D4, 2);
                    DoubleVector d3 = (DoubleVector) v.convertShape(VectorOperators.F2D, D4, 3);
                    a0 = a0.add(d0.mul(d0)); a1 = a1.add(d1.mul(d1)); a2 = a2.add(d2.mul(d2)); a3 = a3.add(d3.mul(d3));
                }
                a0.intoArray(s, j); a1.intoArray(s, j + 4); a2.intoArray(s, j + 8); a3.intoArray(s, j + 12);
            }
        Ops.addColumnSquaresPlain(x, rows, width, j, j1, s);
    }

    @Override
    public float addLayerNorm(float[] x, float[] residual, float[] y, int o, int d, float[] gamma, float[] beta, float eps) {
        int end = S.loopBound(d), j;
        if (residual != null) {
            for (j = 0; j < end; j += L) FloatVector.fromArray(S, x, o + j).add(FloatVector.fromArray(S, residual, o + j)).intoArray(x, o + j);
            for (; j < d; j++) x[o + j] += residual[o + j];
        }
        // each float vector is four groups of four consecutive elements, added in order into the four double lanes
        DoubleVector acc = DoubleVector.zero(D4);
        for (j = 0; j < end; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + j);
            for (int part = 0; part < L / 4; part++) acc = acc.add((DoubleVector) v.convertShape(VectorOperators.F2D, D4, part));
        }
        double[] s = new double[4];
        acc.intoArray(s, 0);
        Ops.sums(x, o, d, end, s);
        double mean = ((s[0] + s[1]) + (s[2] + s[3])) / d;
        DoubleVector m = DoubleVector.broadcast(D4, mean);
        acc = DoubleVector.zero(D4);
        for (j = 0; j < end; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + j);
            for (int part = 0; part < L / 4; part++) {
                DoubleVector t = ((DoubleVector) v.convertShape(VectorOperators.F2D, D4, part)).sub(m);
                acc = acc.add(t.mul(t));
            }
        }
        acc.intoArray(s, 0);
        Ops.squares(x, o, d, end, mean, s);
        double var = ((s[0] + s[1]) + (s[2] + s[3])) / d;
        float inv = Ops.inverseStd(var, eps), mu = (float) mean;
        FloatVector muv = bc(mu), iv = bc(inv);
        for (j = 0; j < end; j += L)   // (x - mu)·inv·gamma + beta as separate float operations, as the scalar tail
            FloatVector.fromArray(S, x, o + j).sub(muv).mul(iv).mul(FloatVector.fromArray(S, gamma, j))
                    .add(FloatVector.fromArray(S, beta, j)).intoArray(y, o + j);
        Ops.normalize(x, y, o, d, end, gamma, beta, eps, mean, var);
        return inv;
    }

    @Override
    public void softmax(float[] s, int off, int n, float scale) {
        int end = S.loopBound(n), i;
        FloatVector m = bc(Float.NEGATIVE_INFINITY);
        for (i = 0; i < end; i += L) m = m.max(FloatVector.fromArray(S, s, off + i));
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, s[off + i]);
        float shift = -max * scale;
        FloatVector acc = FloatVector.zero(S);
        for (i = 0; i < end; i += L) FloatVector.fromArray(S, s, off + i).fma(bc(scale), bc(shift)).intoArray(s, off + i);
        expInPlace(s, off, end);
        for (i = 0; i < end; i += L) acc = acc.add(FloatVector.fromArray(S, s, off + i));
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) { float e = (float) Math.exp(s[off + i] * scale + shift); s[off + i] = e; sum += e; }
        float inv = 1f / sum;
        for (i = 0; i < end; i += L) FloatVector.fromArray(S, s, off + i).mul(inv).intoArray(s, off + i);
        for (; i < n; i++) s[off + i] *= inv;
    }
}
