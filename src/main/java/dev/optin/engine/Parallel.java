package dev.optin.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * One shared pool for all kernels. Work is split into fixed chunks that do not depend on
 * scheduling, so results are bit-identical from run to run (each output element is always
 * computed by the same sequence of operations).
 */
public final class Parallel {
    private static volatile ForkJoinPool pool = new ForkJoinPool(defaultThreads());

    private Parallel() {}

    static int defaultThreads() {
        String p = System.getProperty("optin.threads", System.getenv("OPTIN_THREADS"));
        if (p != null && !p.isBlank()) return Math.max(1, Integer.parseInt(p.trim()));
        return Runtime.getRuntime().availableProcessors();
    }

    public static int threads() { return pool.getParallelism(); }

    /** Changes the number of worker threads (benchmarks compare runtimes at equal thread counts). */
    public static synchronized void setThreads(int n) {
        if (n == pool.getParallelism()) return;
        ForkJoinPool old = pool;
        pool = new ForkJoinPool(Math.max(1, n));
        old.shutdown();
    }

    /** Runs body(i) for i in [0, n), in parallel when n > 1 and more than one thread is available. */
    public static void forEach(int n, IntConsumer body) {
        if (n <= 0) return;
        if (n == 1 || pool.getParallelism() == 1 || inWorker()) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        pool.invoke(new Range(0, n, body));
    }

    private static boolean inWorker() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == pool;
    }

    private static final class Range extends RecursiveAction {
        final int lo, hi; final IntConsumer body;
        Range(int lo, int hi, IntConsumer body) { this.lo = lo; this.hi = hi; this.body = body; }
        @Override protected void compute() {
            if (hi - lo == 1) { body.accept(lo); return; }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(lo, mid, body), new Range(mid, hi, body));
        }
    }
}
