package dev.optin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The packed Vector API GEMM against a double-precision reference, on edge shapes, and its thread-count independence. */
class GemmTest {
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(threadsBefore); }

    private static float[] random(Random r, int n) { return GemmTileProbe.random(r, n); }

    @Test
    void matchesReferenceOnAllTransposesAndEdgeShapes() {
        Random r = new Random(3);
        int[][] shapes = {{1, 1, 1}, {7, 17, 5}, {6, 16, 256}, {13, 33, 257}, {300, 70, 600}, {145, 40, 129}};
        for (int[] sh : shapes)
            for (boolean ta : new boolean[]{false, true})
                for (boolean tb : new boolean[]{false, true})
                    for (boolean acc : new boolean[]{false, true}) {
                        int m = sh[0], n = sh[1], k = sh[2], lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
                        float[] a = random(r, (ta ? k : m) * lda + 4), b = random(r, (tb ? n : k) * ldb + 4), c = random(r, m * ldc + 7);
                        double[] ref = new double[m * n];
                        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                            double sum = acc ? c[2 + i * ldc + j] : 0;
                            for (int p = 0; p < k; p++)
                                sum += (double) a[1 + (ta ? p * lda + i : i * lda + p)] * b[4 - 4 + (tb ? j * ldb + p : p * ldb + j)];
                            ref[i * n + j] = sum;
                        }
                        float[] before = c.clone();
                        Gemm.gemm(ta, tb, m, n, k, a, 1, lda, b, 0, ldb, c, 2, ldc, acc);
                        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++)
                            assertThat((double) c[2 + i * ldc + j]).as("%dx%dx%d ta=%s tb=%s acc=%s at (%d,%d)", m, n, k, ta, tb, acc, i, j)
                                    .isCloseTo(ref[i * n + j], org.assertj.core.data.Offset.offset(1e-4 * Math.sqrt(k) + 1e-5));
                        // Outside the m×n window (padding columns, before and after) C is untouched.
                        for (int i = 0; i < c.length; i++) {
                            int row = (i - 2) / ldc, col = (i - 2) % ldc;
                            if (i < 2 || row >= m || col >= n) assertThat(c[i]).isEqualTo(before[i]);
                        }
                    }
    }

    @Test
    void linearAddsBiasAndResultsDoNotDependOnThreadCount() {
        Random r = new Random(4);
        int m = 700, in = 384, out = 200;
        float[] x = random(r, m * in), w = random(r, out * in), bias = random(r, out);
        float[] y1 = new float[m * out], y2 = new float[m * out];
        Parallel.setThreads(1);
        Gemm.linear(x, m, in, w, bias, out, y1);
        Parallel.setThreads(3);
        Gemm.linear(x, m, in, w, bias, out, y2);
        assertBitIdentical(y2, y1, "packed");
        double s = bias[5];
        for (int p = 0; p < in; p++) s += (double) x[9 * in + p] * w[5 * in + p];
        assertThat((double) y1[9 * out + 5]).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void packedLinearIsBitIdenticalToLinear() {
        Random r = new Random(5);
        for (int[] sh : new int[][]{{1, 3, 2}, {5, 40, 17}, {130, 384, 384}, {700, 100, 1536}}) {
            int m = sh[0], out = sh[1], in = sh[2];
            float[] x = random(r, m * in), w = random(r, out * in), bias = random(r, out);
            float[] y1 = new float[m * out], y2 = new float[m * out];
            Gemm.linear(x, m, in, w, bias, out, y1);
            Gemm.linear(x, m, Gemm.pack(w, out, in), bias, y2);
            assertBitIdentical(y2, y1, m + "x" + out + "x" + in);
        }
    }

    /** A backward pass's C = A·W with W packed once: the bits of the unpacked product, with and without accumulation. */
    @Test
    void packedRightOperandIsBitIdenticalToGemm() {
        Random r = new Random(8);
        for (int[] sh : new int[][]{{1, 3, 2}, {5, 40, 17}, {32, 1536, 384}, {700, 384, 1536}, {3, 384, 0}}) {
            int m = sh[0], n = sh[1], k = sh[2];
            float[] a = random(r, m * k + 5), b = random(r, k * n), base = random(r, (m + 1) * n);
            Gemm.PackedRight p = Gemm.packRight(b, k, n);
            for (boolean acc : new boolean[] {false, true}) {
                float[] c1 = base.clone(), c2 = base.clone();
                Gemm.gemm(false, false, m, n, k, a, 5, k, b, 0, n, c1, n, n, acc);
                Gemm.gemm(m, a, 5, k, p, c2, n, n, acc);
                assertBitIdentical(c2, c1, m + "x" + n + "x" + k + (acc ? " +C" : ""));
            }
        }
    }

    /** The transpose, and products reading it in row order give the bits of products reading the original transposed. */
    @Test
    void transposedOperandGivesTheBitsOfTheTransposedRead() {
        Random r = new Random(9);
        for (int[] sh : new int[][]{{1, 1}, {3, 17}, {17, 3}, {33, 64}, {430, 384}, {430, 1536}}) {
            int m = sh[0], k = sh[1], d = 24;
            float[] x = random(r, m * k), xt = new float[k * m];
            Gemm.transpose(x, m, k, xt);
            for (int i = 0; i < m; i++) for (int j = 0; j < k; j++)
                if (xt[j * m + i] != x[i * k + j]) throw new AssertionError("transpose " + m + "×" + k + " at " + i + "," + j);
            float[] viaTrans = new float[k * k], viaRows = new float[k * k];
            Gemm.symmetricUpper(true, k, m, x, 0, k, viaTrans);
            Gemm.symmetricUpper(false, k, m, xt, 0, m, viaRows);
            for (int i = 0; i < k; i++)
                for (int j = i; j < k; j++)
                    if (Float.floatToRawIntBits(viaTrans[i * k + j]) != Float.floatToRawIntBits(viaRows[i * k + j]))
                        throw new AssertionError("Gram " + m + "×" + k + " at " + i + "," + j);
            float[] t = random(r, m * d), c1 = new float[k * d], c2 = new float[k * d];
            Gemm.gemm(true, false, k, d, m, x, 0, k, t, 0, d, c1, 0, d, false);
            Gemm.gemm(false, false, k, d, m, xt, 0, m, t, 0, d, c2, 0, d, false);
            assertBitIdentical(c2, c1, "Xᵀ·T " + m + "×" + k);
        }
    }

    @Test
    void symmetricProductIsBitIdenticalToTheFullProduct() {
        Random r = new Random(7);
        // {1536, 430}: an FFN's inputs over one calibration batch (the reconstruction's covariance)
        for (int[] sh : new int[][]{{5, 7}, {20, 10}, {129, 15}, {200, 3}, {300, 257}, {768, 384}, {1536, 430}})
            for (boolean trans : new boolean[]{false, true}) {
                int n = sh[0], k = sh[1], lda = (trans ? n : k) + 3;
                float[] a = random(r, (trans ? k : n) * lda + 2), full = new float[n * n], sym = random(r, n * n);
                if (trans) Gemm.gemm(true, false, n, n, k, a, 2, lda, a, 2, lda, full, 0, n, false);
                else Gemm.gemm(false, true, n, n, k, a, 2, lda, a, 2, lda, full, 0, n, false);
                Gemm.symmetric(trans, n, k, a, 2, lda, sym);
                assertBitIdentical(sym, full, "n=" + n + " k=" + k + " trans=" + trans);
                float[] upper = random(r, n * n);   // symmetricUpper: the upper triangle's bits, nothing asked of the rest
                Gemm.symmetricUpper(trans, n, k, a, 2, lda, upper);
                for (int i = 0; i < n; i++)
                    for (int j = i; j < n; j++)
                        if (Float.floatToRawIntBits(upper[i * n + j]) != Float.floatToRawIntBits(full[i * n + j]))
                            throw new AssertionError("upper triangle n=" + n + " k=" + k + " trans=" + trans + " at " + i + "," + j);
            }
    }

    @Test
    void fusedGeluMatchesLinearThenGelu() {
        Random r = new Random(6);
        for (int[] sh : new int[][]{{3, 5, 4}, {130, 1536, 384}, {77, 100, 64}}) {
            int m = sh[0], out = sh[1], in = sh[2];
            float[] x = random(r, m * in), w = random(r, out * in), bias = random(r, out), gate = random(r, out);
            float[] ref = new float[m * out], y = new float[m * out];
            Gemm.linear(x, m, in, w, bias, out, ref);
            for (int i = 0; i < m; i++) for (int j = 0; j < out; j++) ref[i * out + j] = Ops.gelu(ref[i * out + j]) * gate[j];
            Gemm.linearGelu(x, m, Gemm.pack(w, out, in), bias, gate, y);
            for (int i = 0; i < y.length; i++)
                assertThat(Math.abs(y[i] - ref[i])).as("%dx%dx%d at %d", m, out, in, i)
                        .isLessThanOrEqualTo(1e-6f * Math.max(1f, Math.abs(ref[i]) + Math.abs(gate[i % out]) * 20));
        }
    }

    @Test
    void plainKernelSumsEachDotProductInOrder() {
        // the plain kernel's transposed-B path runs four columns at a time: each must still be one float sum in p order
        Random r = new Random(9);
        for (int[] sh : new int[][]{{13, 13, 32}, {5, 7, 3}, {1, 4, 1}, {9, 30, 17}}) {
            int m = sh[0], n = sh[1], k = sh[2];
            float[] a = random(r, m * k), b = random(r, n * k), c = new float[m * n];
            GemmKernels.PLAIN.gemm(false, true, m, n, k, a, 0, k, b, 0, k, c, 0, n, false, null);
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += a[i * k + p] * b[j * k + p];
                assertThat(Float.floatToRawIntBits(c[i * n + j])).as("%dx%dx%d at %d,%d", m, n, k, i, j).isEqualTo(Float.floatToRawIntBits(0f + sum));
            }
        }
    }

    @Test
    void columnRangesGiveTheBitsOfTheWholeProduct() {
        // panel widths 48 (1536, 384 columns with 8-row tiles) and 32 (100, 64 columns); 600 rows: several row blocks; tiny: the
        // plain kernel; GELU with and without a gate; k = 1536 and 2100: column shares take k in one block and in two (of
        // other sizes than the whole product's), 77 rows a partial strip read from a packed copy
        Random r = new Random(7);
        for (int[] sh : new int[][]{{128, 1536, 384}, {64, 384, 1536}, {600, 384, 384}, {77, 100, 64}, {3, 5, 4}, {77, 96, 1536}, {20, 96, 2100}})
            for (boolean gelu : new boolean[]{false, true}) {
                int m = sh[0], out = sh[1], in = sh[2];
                float[] x = random(r, m * in + 3), w = random(r, out * in), bias = random(r, out), gate = gelu && out > 100 ? random(r, out) : null;
                Gemm.PackedLinear pw = Gemm.pack(w, out, in);
                float[] whole = new float[m * out + 5], parts = new float[m * out + 5];
                if (gelu) Gemm.linearGelu(x, 3, m, pw, bias, gate, whole, 5);
                else Gemm.linear(x, 3, m, pw, bias, whole, 5);
                for (int p : new int[]{1, 2, 3, 5}) {
                    java.util.Arrays.fill(parts, Float.NaN);
                    int[] cols = Gemm.columnSplits(pw, p);
                    assertThat(cols[0]).isZero();
                    assertThat(cols[p]).isEqualTo(out);
                    for (int g = 0; g < p; g++) {
                        assertThat(cols[g] % Gemm.columnAlignment(pw)).isZero();
                        Gemm.linearColumns(x, 3, m, pw, bias, gelu, gate, parts, 5, cols[g], cols[g + 1]);
                    }
                    for (int i = 5; i < whole.length; i++)
                        assertThat(Float.floatToRawIntBits(parts[i])).as("%dx%dx%d gelu=%b in %d parts, at %d", m, out, in, gelu, p, i)
                                .isEqualTo(Float.floatToRawIntBits(whole[i]));
                }
            }
        Gemm.PackedLinear wide = Gemm.pack(random(r, 96 * 64), 96, 64);
        if (Gemm.columnAlignment(wide) > 1)
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gemm.linearColumns(random(r, 64 * 64), 0, 64, wide, null, false, null,
                    new float[64 * 96], 0, 1, 96)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not aligned");
    }

    /**
     * Each machine runs one micro-kernel (8 rows with 512-bit vectors, else 5); the other is forced in a child JVM.
     * Both must give this JVM's results bit for bit (same summation order whatever the tile), which also puts the
     * kernel this machine does not pick under the reference checks above.
     */
    @Test
    void bothTileHeightsGiveBitIdenticalProducts() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Gemm.vectorized(), "Vector API module absent: plain-Java GEMM only");
        String expected = GemmTileProbe.checksums();
        for (int rows : new int[]{5, 8}) {
            java.util.List<String> cmd = java.util.List.of(
                    java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-Doptin.gemm.rows=" + rows,
                    "-cp", System.getProperty("java.class.path"), GemmTileProbe.class.getName());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(output).isZero();
            assertThat(output).as("child JVM output").contains("rows=" + rows);
            String last = output.strip().lines().reduce((x, y) -> y).orElse("");
            assertThat(last).as("checksums with %d-row tiles", rows).isEqualTo(expected);
        }
    }

    /**
     * Small products skip packing ({@link SmallGemm}); the size threshold must never change a result: on attention-like
     * and edge shapes, every transpose, with and without accumulation and bias, the unpacked path gives the packed
     * path's bits, and its unfused form the plain kernel's.
     */
    @Test
    void smallProductsWithoutPackingGiveThePackedBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Gemm.vectorized(), "needs --add-modules jdk.incubator.vector");
        Random r = new Random(11);
        int[][] shapes = {{13, 13, 32}, {13, 32, 13}, {32, 13, 13}, {1, 1, 1}, {3, 17, 5}, {9, 16, 40}, {5, 48, 7}, {16, 64, 31}, {30, 30, 32}};
        for (int[] sh : shapes)
            for (boolean ta : new boolean[]{false, true})
                for (boolean tb : new boolean[]{false, true})
                    for (int start = 0; start < 3; start++) {   // 0: from zero, 1: from the bias, 2: accumulating into C
                        int m = sh[0], n = sh[1], k = sh[2], lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
                        float[] a = random(r, (ta ? k : m) * lda + 4), b = random(r, (tb ? n : k) * ldb + 4), c = random(r, m * ldc + 7);
                        float[] bias = start == 1 ? random(r, n) : null;
                        String what = m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb + " start=" + start;
                        float[] small = c.clone(), packed = c.clone();
                        SmallGemm.multiply(true, ta, tb, m, n, k, a, 1, lda, b, 2, ldb, small, 3, ldc, start == 2, bias);
                        VectorGemm.packed(ta, tb, m, n, k, a, 1, lda, b, 2, ldb, packed, 3, ldc, start == 2, bias);
                        assertBitIdentical(small, packed, what + " fused");
                        float[] smallPlain = c.clone(), plain = c.clone();
                        SmallGemm.multiply(false, ta, tb, m, n, k, a, 1, lda, b, 2, ldb, smallPlain, 3, ldc, start == 2, bias);
                        GemmKernels.PLAIN.gemm(ta, tb, m, n, k, a, 1, lda, b, 2, ldb, plain, 3, ldc, start == 2, bias);
                        assertBitIdentical(smallPlain, plain, what + " plain");
                    }
    }

    /** Bit-for-bit equality, reporting the first differing index (AssertJ's containsExactly is quadratic on large arrays). */
    private static void assertBitIdentical(float[] actual, float[] expected, String what) {
        assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++)
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i]))
                assertThat(actual[i]).as(what + ": element " + i).isEqualTo(expected[i]);
    }
}
