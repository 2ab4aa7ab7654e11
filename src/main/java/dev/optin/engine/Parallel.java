package dev.optin.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * One shared set of worker threads for all kernels. {@link #forEach} hands out the indices of a
 * loop to the caller and the workers; each index is computed by the same sequence of
 * operations whichever thread takes it, so results are bit-identical from run to run and for
 * any thread count.
 * <p>
 * Workers spin for a short while after each loop before they park: a transformer layer is a
 * dozen parallel loops of tens of microseconds each at batch 1, and waking parked threads
 * (a fork/join pool's way) cost more than the loops themselves (measured: two threads were no
 * faster than one at 1×128). ONNX Runtime's thread pool spins the same way.
 */
public final class Parallel {
    /** How long an idle worker polls for the next loop before it parks. */
    private static final long SPIN_NANOS = 200_000;

    /** Spins (PAUSE instructions, tens of microseconds in all) the calling thread waits for the end of a loop before it yields. */
    private static final int WAIT_SPINS = 1 << 10;

    private static volatile Pool pool = new Pool(defaultThreads());

    private Parallel() {}

    static int defaultThreads() {
        String p = System.getProperty("optin.threads", System.getenv("OPTIN_THREADS"));
        if (p != null && !p.isBlank()) return Math.max(1, Integer.parseInt(p.trim()));
        return Runtime.getRuntime().availableProcessors();
    }

    public static int threads() { return pool.threads; }

    /** Changes the number of threads (benchmarks compare runtimes at equal thread counts). */
    public static synchronized void setThreads(int n) {
        n = Math.max(1, n);
        if (n == pool.threads) return;
        Pool old = pool;
        pool = new Pool(n);
        old.shutdown();
    }

    /**
     * Runs body(i) for i in [0, n), in parallel when n > 1 and more than one thread is
     * available. Nested calls (from inside a body) and calls while another thread's loop holds
     * the workers run serially on the calling thread.
     */
    public static void forEach(int n, IntConsumer body) {
        if (n <= 0) return;
        Pool p = pool;
        if (n == 1 || p.threads == 1 || !p.run(n, body))
            for (int i = 0; i < n; i++) body.accept(i);
    }

    /** One loop: indices are claimed one at a time from a shared counter. */
    private static final class Job {
        final int n;
        final IntConsumer body;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable error;

        Job(int n, IntConsumer body) { this.n = n; this.body = body; }

        void work() {
            for (int i; (i = next.getAndIncrement()) < n; ) {
                try {
                    if (error == null) body.accept(i);
                } catch (Throwable t) {
                    if (error == null) error = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Pool {
        final int threads;
        final Worker[] workers;
        final ReentrantLock lock = new ReentrantLock();
        volatile Job job;
        volatile long generation;
        volatile boolean shutdown;

        Pool(int threads) {
            this.threads = threads;
            this.workers = new Worker[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i);
                workers[i].start();
            }
        }

        /** Runs the loop with the workers; false when they are busy or this is a nested call. */
        boolean run(int n, IntConsumer body) {
            if (Thread.currentThread() instanceof Worker || lock.isHeldByCurrentThread() || !lock.tryLock()) return false;
            try {
                Job j = new Job(n, body);
                job = j;
                generation++;
                for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
                j.work();
                // the last indices are still running on other threads: spin briefly, then yield, so that on a machine with
                // more runnable threads than cores a descheduled worker can finish instead of this thread spinning out its slice
                for (int spins = 0; j.done.get() < n; spins++) {
                    if (spins < WAIT_SPINS) Thread.onSpinWait();
                    else Thread.yield();
                }
                job = null;
                Throwable t = j.error;
                if (t instanceof RuntimeException e) throw e;
                if (t instanceof Error e) throw e;
                if (t != null) throw new IllegalStateException(t);
                return true;
            } finally {
                lock.unlock();
            }
        }

        void shutdown() {
            shutdown = true;
            for (Worker w : workers) LockSupport.unpark(w);
        }
    }

    private static final class Worker extends Thread {
        final Pool pool;
        volatile boolean parked;

        Worker(Pool pool, int index) {
            super("optin-worker-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        @Override public void run() {
            long seen = 0;
            while (!pool.shutdown) {
                long g = pool.generation;
                if (g != seen) {
                    seen = g;
                    Job j = pool.job;
                    if (j != null) j.work();
                    continue;
                }
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (pool.generation == seen && !pool.shutdown && System.nanoTime() < spinUntil) Thread.onSpinWait();
                if (pool.generation != seen || pool.shutdown) continue;
                parked = true;
                if (pool.generation == seen && !pool.shutdown) LockSupport.park(this);
                parked = false;
            }
        }
    }
}
