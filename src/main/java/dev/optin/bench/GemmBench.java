package dev.optin.bench;

import dev.optin.engine.Gemm;
import dev.optin.engine.Parallel;

import java.util.Random;

/**
 * GFLOP/s of {@link Gemm#linear} on the shapes of a BERT layer (m×n×k = tokens × out × in).
 * Usage: GemmBench [threads...] (default 1 2). Median of timed runs after warm-up.
 */
public final class GemmBench {
    private GemmBench() {}

    public static double gflops(int m, int n, int k, int threads, int warmup, int iters) {
        Parallel.setThreads(threads);
        Random r = new Random(1);
        float[] x = new float[m * k], w = new float[n * k], bias = new float[n], y = new float[m * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < warmup; i++) Gemm.linear(x, m, k, w, bias, n, y);
        double[] t = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            Gemm.linear(x, m, k, w, bias, n, y);
            t[i] = (System.nanoTime() - t0) * 1e-9;
        }
        return 2.0 * m * n * k / Stats.median(t) / 1e9;
    }

    public static void main(String[] args) {
        int[] threads = args.length == 0 ? new int[]{1, 2} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        int[][] shapes = {{4096, 384, 384}, {4096, 1536, 384}, {4096, 384, 1536}, {128, 384, 384}};
        System.out.println("vectorized=" + Gemm.vectorized());
        for (int th : threads)
            for (int[] s : shapes)
                System.out.printf("m=%d n=%d k=%d threads=%d: %.1f GFLOP/s%n", s[0], s[1], s[2], th, gflops(s[0], s[1], s[2], th, 10, 15));
    }
}
