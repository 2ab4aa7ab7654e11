package dev.optin.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelTest {
    private final int original = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(original); }

    @Test
    void everyIndexRunsExactlyOnceForAnyThreadCount() {
        for (int threads : new int[]{1, 2, 3}) {
            Parallel.setThreads(threads);
            assertThat(Parallel.threads()).isEqualTo(threads);
            for (int round = 0; round < 200; round++) { // many short loops: workers spin, park and wake
                AtomicIntegerArray hits = new AtomicIntegerArray(97);
                Parallel.forEach(97, hits::incrementAndGet);
                for (int i = 0; i < 97; i++) assertThat(hits.get(i)).as("index %d, %d threads", i, threads).isEqualTo(1);
            }
        }
    }

    @Test
    void bodyExceptionReachesTheCallerAndThePoolStaysUsable() {
        Parallel.setThreads(2);
        IllegalArgumentException boom = new IllegalArgumentException("boom at 13");
        assertThatThrownBy(() -> Parallel.forEach(50, i -> { if (i == 13) throw boom; })).isSameAs(boom);
        AtomicIntegerArray hits = new AtomicIntegerArray(10);
        Parallel.forEach(10, hits::incrementAndGet);
        for (int i = 0; i < 10; i++) assertThat(hits.get(i)).isEqualTo(1);
    }

    @Test
    void nestedLoopsAndConcurrentCallersComplete() throws Exception {
        Parallel.setThreads(2);
        AtomicIntegerArray inner = new AtomicIntegerArray(8 * 8);
        Parallel.forEach(8, i -> Parallel.forEach(8, j -> inner.incrementAndGet(i * 8 + j)));
        for (int i = 0; i < 64; i++) assertThat(inner.get(i)).isEqualTo(1);

        AtomicIntegerArray a = new AtomicIntegerArray(1000), b = new AtomicIntegerArray(1000);
        Thread other = new Thread(() -> { for (int r = 0; r < 50; r++) { int base = r * 20; Parallel.forEach(20, i -> a.incrementAndGet(base + i)); } });
        other.start();
        for (int r = 0; r < 50; r++) { int base = r * 20; Parallel.forEach(20, i -> b.incrementAndGet(base + i)); }
        other.join();
        for (int i = 0; i < 1000; i++) {
            assertThat(a.get(i)).isEqualTo(1);
            assertThat(b.get(i)).isEqualTo(1);
        }
    }
}
