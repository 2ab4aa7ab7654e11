package dev.optin.engine;

import java.util.Arrays;
import java.util.Random;

/**
 * Prints one checksum per product over shapes with edge tiles, transposes, k blocks and fused
 * GELU: run in a child JVM with {@code -Doptin.gemm.rows=5|8} by {@link GemmTest} to show that
 * both micro-kernels give bit-identical results to the one this machine picks by default.
 */
public final class GemmTileProbe {
    private GemmTileProbe() {}

    static String checksums() {
        Random r = new Random(11);
        StringBuilder out = new StringBuilder();
        for (int[] sh : new int[][]{{1, 3, 2}, {7, 33, 5}, {130, 384, 384}, {41, 1536, 384}, {300, 100, 1536}, {13, 70, 1100}}) {
            int m = sh[0], n = sh[1], k = sh[2];
            float[] a = random(r, m * k), b = random(r, n * k), bias = random(r, n), gate = random(r, n);
            float[] c = new float[m * n];
            Gemm.linear(a, m, k, b, bias, n, c);
            out.append(Arrays.hashCode(c)).append(' ');
            Gemm.linearGelu(a, m, Gemm.pack(b, n, k), bias, gate, c);
            out.append(Arrays.hashCode(c)).append(' ');
            float[] t = new float[m * m], at = transpose(a, m, k);
            Gemm.gemm(true, false, m, m, k, at, 0, m, at, 0, m, t, 0, m, false);
            out.append(Arrays.hashCode(t)).append(' ');
        }
        return out.toString().trim();
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    public static void main(String[] args) {
        System.out.println("rows=" + VectorGemm.MR);
        System.out.println(checksums());
    }
}
